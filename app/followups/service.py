"""Follow-up sequences: written by staff, approved by a clinician, then scheduled for an enrolled
contact in practice time; ending an enrolment (staff, or the patient's BAJA) stops what is pending."""

from datetime import UTC, datetime, time, timedelta
from string import Formatter

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.appointments.hours import first_allowed_after
from app.appointments.models import Appointment
from app.appointments.service import sending_hours
from app.audit import service as audit
from app.contacts.models import Contact, Purpose
from app.errors import Conflict, InvalidInput, NotFound
from app.followups.models import (
    EnrolmentStatus,
    FollowUpEnrolment,
    FollowUpMessage,
    FollowUpSequence,
    SequenceStatus,
)
from app.followups.schemas import SequenceIn
from app.review import scoring
from app.settings import get_settings
from app.sms.models import OutboundSms, SmsKind, SmsStatus

PLACEHOLDERS = ("nombre", "profesional", "centro")


def _check_placeholders(text: str, step: int, language: str) -> None:
    try:
        names = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError:
        names = {"{"}
    unknown = sorted(names - set(PLACEHOLDERS))
    if unknown:
        raise InvalidInput(
            "step {step} ({language}): use only the placeholders {{nombre}}, {{profesional}} "
            "and {{centro}}",
            field="steps",
            step=step,
            language=language,
        )


def check_steps(data: SequenceIn) -> None:
    """Known placeholders only, and no text the moderation classifier reads as health data: a
    follow-up SMS may say when to rest or call, never a diagnosis or a patient's details."""
    texts = []
    for number, step in enumerate(data.steps, start=1):
        for language in ("es", "en"):
            text = getattr(step, language)
            if text:
                _check_placeholders(text, number, language)
                texts.append((number, language, text))
    for (number, language, _text), score in zip(
        texts, scoring.score([t for _n, _l, t in texts]), strict=True
    ):
        if "phi" in score.flags:
            raise InvalidInput(
                "step {step} ({language}) reads as health data about a person; a follow-up SMS "
                "may carry guidance, never a diagnosis, a result or personal details",
                field="steps",
                step=number,
                language=language,
            )


def save(
    *, db: Session, data: SequenceIn, actor: User, now: datetime, sequence_id: int | None = None
) -> FollowUpSequence:
    """Create or change a sequence; any change makes it a draft a clinician approves again."""
    check_steps(data)
    sequence = get(db=db, sequence_id=sequence_id) if sequence_id else FollowUpSequence()
    clash = db.exec(
        select(FollowUpSequence.id).where(
            FollowUpSequence.name == data.name, FollowUpSequence.id != sequence.id
        )
    ).first()
    if clash is not None:
        raise Conflict("a sequence with this name exists already", field="name")
    sequence.name, sequence.send_hour = data.name, data.send_hour
    sequence.steps = [s.model_dump() for s in sorted(data.steps, key=lambda s: s.day)]
    sequence.status, sequence.approved_by, sequence.approved_at = SequenceStatus.draft, None, None
    sequence.updated_at = now
    db.add(sequence)
    db.flush()
    audit.record(
        db, actor=actor, action="followup.save", object_type="followup", object_id=sequence.id
    )
    return sequence


def approve(*, db: Session, sequence: FollowUpSequence, actor: User, now: datetime) -> None:
    """A clinician signs off the texts as they stand now."""
    sequence.status, sequence.approved_by, sequence.approved_at = (
        SequenceStatus.approved,
        actor.id,
        now,
    )
    db.add(sequence)
    audit.record(
        db, actor=actor, action="followup.approve", object_type="followup", object_id=sequence.id
    )


def get(*, db: Session, sequence_id: int) -> FollowUpSequence:
    sequence = db.get(FollowUpSequence, sequence_id)
    if sequence is None:
        raise NotFound("no such follow-up sequence")
    return sequence


def all_sequences(db: Session) -> list[FollowUpSequence]:
    return list(db.exec(select(FollowUpSequence).order_by(col(FollowUpSequence.name))))


def approved(db: Session) -> list[FollowUpSequence]:
    query = select(FollowUpSequence).where(FollowUpSequence.status == SequenceStatus.approved)
    return list(db.exec(query.order_by(col(FollowUpSequence.name))))


def _render(text: str, contact: Contact, appointment: Appointment | None) -> str:
    practice = get_settings().practice_name
    words = contact.name.split()
    return text.format(
        nombre=words[0] if words else contact.name,
        profesional=(appointment.clinician if appointment else "") or practice,
        centro=(appointment.place if appointment else "") or practice,
    )


def step_moments(
    sequence: FollowUpSequence, event_at: datetime, now: datetime
) -> list[datetime | None]:
    """When each step goes: `day` days after the event's local date at the sequence's hour, moved
    forward into the sending hours; never in the past. None: no allowed moment within a month."""
    zone, hours = get_settings().zone, sending_hours()
    event_day = event_at.astimezone(zone).date()
    moments = []
    for step in sequence.steps:
        local = datetime.combine(event_day + timedelta(days=step["day"]), time(sequence.send_hour))
        moment = max(local.replace(tzinfo=zone).astimezone(UTC), now)
        moments.append(first_allowed_after(moment, hours, zone))
    return moments


def enrol(
    *,
    db: Session,
    sequence: FollowUpSequence,
    contact: Contact,
    event_at: datetime,
    actor: User,
    now: datetime,
    appointment: Appointment | None = None,
) -> FollowUpEnrolment:
    """Schedule every step of an approved sequence for one contact, in the contact's language."""
    if sequence.status != SequenceStatus.approved:
        raise Conflict("a clinician has not approved this sequence yet")
    enrolment = FollowUpEnrolment(
        sequence_id=sequence.id,
        contact_id=contact.id,
        appointment_id=appointment.id if appointment else None,
        event_at=event_at,
        enrolled_by=actor.id,
        created_at=now,
    )
    db.add(enrolment)
    db.flush()
    for number, (step, moment) in enumerate(
        zip(sequence.steps, step_moments(sequence, event_at, now), strict=True)
    ):
        if moment is None:
            continue
        text = step.get(str(contact.language)) or step["es"]
        message = OutboundSms(
            contact_id=contact.id,
            to_phone=contact.phone,
            appointment_id=enrolment.appointment_id,
            kind=SmsKind.follow_up,
            purpose=Purpose.reminders,  # care, like a reminder: no marketing consent, BAJA honoured
            language=contact.language,
            body=_render(text, contact, appointment),
            due_at=moment,
        )
        db.add(message)
        db.flush()
        db.add(FollowUpMessage(enrolment_id=enrolment.id, step=number, sms_id=message.id))
    audit.record(
        db,
        actor=actor,
        action="followup.enrol",
        object_type="followup_enrolment",
        object_id=enrolment.id,
        sequence=sequence.id,
        contact=contact.id,
    )
    return enrolment


def end(*, db: Session, enrolment: FollowUpEnrolment, actor: User | None, now: datetime) -> None:
    """No more messages: pending ones are withdrawn now, a claimed one is refused by the engine."""
    if enrolment.status == EnrolmentStatus.ended:
        return
    enrolment.status, enrolment.ended_at = EnrolmentStatus.ended, now
    enrolment.ended_by = actor.id if actor else None
    db.add(enrolment)
    pending = db.exec(
        select(OutboundSms)
        .join(FollowUpMessage, col(FollowUpMessage.sms_id) == OutboundSms.id)
        .where(
            FollowUpMessage.enrolment_id == enrolment.id,
            OutboundSms.status == SmsStatus.pending,
        )
        .with_for_update()
    ).all()
    for message in pending:
        message.status, message.status_at = SmsStatus.withdrawn, now
        db.add(message)
    audit.record(
        db,
        actor=actor,
        action="followup.end",
        object_type="followup_enrolment",
        object_id=enrolment.id,
        withdrawn=len(pending),
    )


def end_for_contacts(*, db: Session, contact_ids: list[int], now: datetime) -> None:
    """The patient replied BAJA: every follow-up they are on ends (ALTA does not restart them)."""
    if not contact_ids:
        return
    query = select(FollowUpEnrolment).where(
        col(FollowUpEnrolment.contact_id).in_(contact_ids),
        FollowUpEnrolment.status == EnrolmentStatus.active,
    )
    for enrolment in db.exec(query).all():
        end(db=db, enrolment=enrolment, actor=None, now=now)


def get_enrolment(*, db: Session, enrolment_id: int) -> FollowUpEnrolment:
    enrolment = db.get(FollowUpEnrolment, enrolment_id)
    if enrolment is None:
        raise NotFound("no such enrolment")
    return enrolment


def enrolments(
    db: Session, *, sequence_id: int | None = None, contact_id: int | None = None
) -> list[tuple[FollowUpEnrolment, FollowUpSequence, Contact, list[OutboundSms]]]:
    """Enrolments, newest first, each with its sequence, contact and messages in step order."""
    query = (
        select(FollowUpEnrolment, FollowUpSequence, Contact)
        .join(FollowUpSequence, col(FollowUpSequence.id) == FollowUpEnrolment.sequence_id)
        .join(Contact, col(Contact.id) == FollowUpEnrolment.contact_id)
    )
    if sequence_id is not None:
        query = query.where(FollowUpEnrolment.sequence_id == sequence_id)
    if contact_id is not None:
        query = query.where(FollowUpEnrolment.contact_id == contact_id)
    rows = list(db.exec(query.order_by(col(FollowUpEnrolment.id).desc()).limit(200)))
    ids = [e.id for e, _s, _c in rows]
    messages: dict[int, list[OutboundSms]] = {i: [] for i in ids}
    linked = db.exec(
        select(FollowUpMessage.enrolment_id, OutboundSms)
        .join(OutboundSms, col(OutboundSms.id) == FollowUpMessage.sms_id)
        .where(col(FollowUpMessage.enrolment_id).in_(ids))
        .order_by(col(FollowUpMessage.step))
    )
    for enrolment_id, message in linked:
        messages[enrolment_id].append(message)
    return [(e, s, c, messages[e.id]) for e, s, c in rows]
