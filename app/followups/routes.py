"""Follow-up sequence pages: write, approve (clinicians), enrol a contact, end an enrolment."""

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.appointments import service as appointments
from app.clock import utcnow
from app.contacts import service as contacts
from app.contacts.auth import CareStaff
from app.deps import ClinicianUser, PathId, SessionDep
from app.errors import InvalidInput
from app.followups import service as followups
from app.followups.schemas import MAX_STEPS, SequenceIn, StepIn
from app.settings import get_settings
from web.flash import flash
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["followups"])
BLANK_ROWS = 3


async def _sequence_form(request: Request) -> SequenceIn:
    """The editor's rows (day, Spanish text, English text); rows left empty are ignored."""
    form = await request.form()
    days, es, en = form.getlist("day"), form.getlist("es"), form.getlist("en")
    if len(days) > MAX_STEPS + BLANK_ROWS or not len(days) == len(es) == len(en):
        raise InvalidInput("the steps are incomplete", field="steps")
    steps = []
    for day, text_es, text_en in zip(days, es, en, strict=True):
        if not (str(text_es).strip() or str(text_en).strip()):
            continue
        if not str(day).strip().isdigit():
            raise InvalidInput("each step needs a day: 0 to 365 days after the event", field="day")
        steps.append(StepIn(day=int(day), es=str(text_es).strip(), en=str(text_en).strip()))
    hour = str(form.get("send_hour", "10"))
    return SequenceIn(
        name=str(form.get("name", "")).strip(),
        send_hour=int(hour) if hour.isdigit() else -1,
        steps=steps,
    )


@pages.get("/followups", name="followup_list")
def followup_list(request: Request, db: SessionDep, _user: CareStaff):
    context = {"sequences": followups.all_sequences(db), "blank": BLANK_ROWS}
    return render(request, "followups/list.html", context)


@pages.post("/followups", name="followup_create")
async def followup_create(request: Request, db: SessionDep, user: CareStaff):
    data = await _sequence_form(request)
    sequence = followups.save(db=db, data=data, actor=user, now=utcnow())
    flash(request, "Saved as a draft: a clinician approves it before anyone can be enrolled.")
    return RedirectResponse(f"/followups/{sequence.id}", status_code=303)


@pages.get("/followups/{sequence_id}", name="followup_detail")
def followup_detail(request: Request, db: SessionDep, _user: CareStaff, sequence_id: PathId):
    sequence = followups.get(db=db, sequence_id=sequence_id)
    context = {
        "sequence": sequence,
        "blank": BLANK_ROWS,
        "enrolments": followups.enrolments(db, sequence_id=sequence.id),
    }
    return render(request, "followups/detail.html", context)


@pages.post("/followups/{sequence_id}", name="followup_save")
async def followup_save(request: Request, db: SessionDep, user: CareStaff, sequence_id: PathId):
    followups.get(db=db, sequence_id=sequence_id)
    data = await _sequence_form(request)
    followups.save(db=db, data=data, actor=user, now=utcnow(), sequence_id=sequence_id)
    flash(request, "Saved as a draft: a clinician approves it before anyone can be enrolled.")
    return RedirectResponse(f"/followups/{sequence_id}", status_code=303)


@pages.post("/followups/{sequence_id}/approve", name="followup_approve")
def followup_approve(request: Request, db: SessionDep, user: ClinicianUser, sequence_id: PathId):
    sequence = followups.get(db=db, sequence_id=sequence_id)
    followups.approve(db=db, sequence=sequence, actor=user, now=utcnow())
    flash(request, "Approved: staff may enrol patients in this sequence.")
    return RedirectResponse(f"/followups/{sequence_id}", status_code=303)


def _event_at(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("the event date is not a date", field="event_date") from None
    return datetime.combine(day, time(12), get_settings().zone)


@pages.post("/followup-enrolments", name="followup_enrol")
def followup_enrol(
    request: Request,
    db: SessionDep,
    user: CareStaff,
    sequence_id: Annotated[int, Form(ge=1)],
    contact_id: Annotated[int | None, Form(ge=1)] = None,
    appointment_id: Annotated[int | None, Form(ge=1)] = None,
    event_date: Annotated[str, Form(max_length=10)] = "",
):
    """Enrol from a contact (the event's date given) or from an appointment (its start)."""
    sequence = followups.get(db=db, sequence_id=sequence_id)
    appointment = None
    if appointment_id is not None:
        appointment = appointments.get(db=db, appointment_id=appointment_id)
        contact_id, event_at = appointment.contact_id, appointment.starts_at
    elif contact_id is not None:
        event_at = _event_at(event_date)
    else:
        raise InvalidInput("choose a contact or an appointment", field="contact_id")
    contact = contacts.get(db=db, contact_id=contact_id)
    followups.enrol(
        db=db,
        sequence=sequence,
        contact=contact,
        event_at=event_at,
        actor=user,
        now=utcnow(),
        appointment=appointment,
    )
    flash(request, "Enrolled: the messages are scheduled.")
    return RedirectResponse(f"/contacts/{contact.id}#followups", status_code=303)


@pages.post("/followup-enrolments/{enrolment_id}/end", name="followup_end")
def followup_end(request: Request, db: SessionDep, user: CareStaff, enrolment_id: PathId):
    enrolment = followups.get_enrolment(db=db, enrolment_id=enrolment_id)
    followups.end(db=db, enrolment=enrolment, actor=user, now=utcnow())
    flash(request, "Ended: no more messages of this follow-up will be sent.")
    return RedirectResponse(f"/contacts/{enrolment.contact_id}#followups", status_code=303)
