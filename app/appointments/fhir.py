"""FHIR Appointment resources (R4/R4B, or R5) as carepost appointments."""

from fhir.resources.appointment import Appointment as R5Appointment
from fhir.resources.R4B.appointment import Appointment as R4Appointment
from pydantic import ValidationError

from app.appointments.models import AppointmentStatus
from app.appointments.schemas import AppointmentIn
from app.errors import InvalidInput

# FHIR Appointment.status → carepost's status.
STATUS = {
    "proposed": AppointmentStatus.booked,
    "pending": AppointmentStatus.booked,
    "booked": AppointmentStatus.booked,
    "waitlist": AppointmentStatus.booked,
    "arrived": AppointmentStatus.attended,
    "checked-in": AppointmentStatus.attended,
    "fulfilled": AppointmentStatus.attended,
    "cancelled": AppointmentStatus.cancelled,
    "entered-in-error": AppointmentStatus.cancelled,
    "noshow": AppointmentStatus.no_show,
}


def _first_error(error: ValidationError) -> str:
    item = error.errors()[0]
    where = ".".join(str(p) for p in item.get("loc", ()))
    return f"{where}: {item.get('msg', 'invalid')}" if where else str(item.get("msg", "invalid"))


def _patient(resource) -> tuple[str, str, str]:
    """Name, mobile phone and language of the contained Patient the appointment refers to."""
    refs = {
        (p.actor.reference or "").lstrip("#")
        for p in resource.participant or []
        if p.actor is not None and p.actor.reference
    }
    subject = getattr(resource, "subject", None)  # R5
    if subject is not None and subject.reference:
        refs.add(subject.reference.lstrip("#"))
    for contained in resource.contained or []:
        if contained.get_resource_type() != "Patient" or (refs and contained.id not in refs):
            continue
        name = contained.name[0] if contained.name else None
        text = (
            (name.text or " ".join([*(name.given or []), name.family or ""])).strip()
            if name
            else ""
        )
        phones = [
            t.value
            for t in contained.telecom or []
            if t.system in ("phone", "sms") and t.value and t.use in (None, "mobile")
        ]
        language = "es"
        for item in contained.communication or []:
            codes = [c.code for c in (item.language.coding or []) if c.code]
            if codes:
                language = "en" if codes[0].lower().startswith("en") else "es"
                break
        if text and phones:
            return text, phones[0], language
    raise InvalidInput(
        "the Appointment must contain its Patient (a contained resource) with a name and a mobile phone",
        field="contained",
    )


def _display(resource, kind: str) -> str:
    for p in resource.participant or []:
        reference = (p.actor.reference or "") if p.actor else ""
        if p.actor is not None and reference.startswith(kind) and p.actor.display:
            return p.actor.display[:120]
    return ""


def parse(payload: dict) -> AppointmentIn:
    """Read a FHIR Appointment (JSON) into carepost's appointment; 422 naming the first problem."""
    if not isinstance(payload, dict) or payload.get("resourceType") != "Appointment":
        raise InvalidInput(
            "expected a FHIR resource with resourceType Appointment", field="resourceType"
        )
    try:
        resource = R4Appointment.model_validate(payload)
    except ValidationError as error:
        try:  # R5 moved the patient to `subject` and added fields R4 refuses
            resource = R5Appointment.model_validate(payload)
        except ValidationError:
            raise InvalidInput(_first_error(error)) from None
    if resource.start is None:
        raise InvalidInput("start: a booked appointment needs its start time", field="start")
    external = next((i.value for i in resource.identifier or [] if i.value), None) or resource.id
    if not external:
        raise InvalidInput("id: the Appointment needs an id or an identifier", field="id")
    name, phone, language = _patient(resource)
    try:
        return AppointmentIn(
            external_id=external,
            source="fhir",
            starts_at=resource.start,
            name=name,
            phone=phone,
            language=language,
            clinician=_display(resource, "Practitioner"),
            place=_display(resource, "Location"),
            status=STATUS[resource.status],
        )
    except ValidationError as error:
        raise InvalidInput(_first_error(error)) from None
