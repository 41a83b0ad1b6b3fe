"""Today's news for the patients still to come: their clinician runs late or moved to another room.

One SMS each, sent at once (not held to the reminder plan), in the patient's language; the delivery
engine still checks consent and that the appointment is ahead just before sending.
"""

from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.appointments.models import Appointment, AppointmentStatus
from app.audit import service as audit
from app.contacts.models import Contact, Purpose
from app.errors import InvalidInput
from app.i18n import translator
from app.settings import get_settings
from app.sms import service as sms
from app.sms.models import SmsKind

# Still to come: not cancelled, not attended or missed (a change request is still a booking today).
AHEAD = (
    AppointmentStatus.booked,
    AppointmentStatus.confirmed,
    AppointmentStatus.reschedule_requested,
)
MAX_ROOM = 40


class Notice(StrEnum):
    late = "late"
    room = "room"


def _rest_of_today(now: datetime):
    zone = get_settings().zone
    midnight = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(0), zone)
    return (
        select(Appointment, Contact)
        .join(Contact, col(Contact.id) == Appointment.contact_id)
        .where(
            col(Appointment.starts_at) > now,
            col(Appointment.starts_at) < midnight.astimezone(UTC),
            col(Appointment.status).in_(AHEAD),
        )
    )


def clinicians_today(db: Session, now: datetime) -> list[str]:
    """Clinicians with patients still to come today."""
    rows = db.exec(_rest_of_today(now)).all()
    return sorted({a.clinician for a, _c in rows if a.clinician})


def remaining(db: Session, clinician: str, now: datetime) -> list[tuple[Appointment, Contact]]:
    """This clinician's appointments later today that have not started, soonest first."""
    query = _rest_of_today(now).where(Appointment.clinician == clinician)
    return list(db.exec(query.order_by(col(Appointment.starts_at))))


def text(
    language: str, notice: Notice, appointment: Appointment, *, minutes: int, room: str
) -> str:
    """The SMS in the patient's language."""
    settings = get_settings()
    _ = translator(language)
    values = {
        "centro": appointment.place or settings.practice_name,
        "profesional": appointment.clinician,
        "hora": appointment.starts_at.astimezone(settings.zone).strftime("%H:%M"),
    }
    if notice == Notice.late:
        return _(
            "{centro}: {profesional} is running about {minutes} minutes late today. Your "
            "appointment at {hora} will start later. We are sorry for the wait.",
            minutes=minutes,
            **values,
        )
    return _(
        "{centro}: your appointment at {hora} today with {profesional} will be in {room}.",
        room=room,
        **values,
    )


def send(
    db: Session,
    *,
    clinician: str,
    notice: Notice,
    minutes: int,
    room: str,
    actor: User,
    now: datetime,
) -> int:
    """Queue one SMS to each patient still to come today; how many were queued."""
    room = " ".join(room.split())
    if notice == Notice.late and not 5 <= minutes <= 240:
        raise InvalidInput("minutes late: from 5 to 240", field="minutes")
    if notice == Notice.room and not 0 < len(room) <= MAX_ROOM:
        raise InvalidInput("the room: 1 to 40 characters, such as Sala 3", field="room")
    rows = remaining(db, clinician, now)
    if not rows:
        raise InvalidInput("this clinician has no patients still to come today", field="clinician")
    for appointment, contact in rows:
        body = text(str(contact.language), notice, appointment, minutes=minutes, room=room)
        sms.queue(
            db,
            phone=contact.phone,
            contact=contact,
            kind=SmsKind.notice,
            purpose=Purpose.reminders,  # about the appointment itself: care, like its reminders
            language=contact.language,
            body=body,
            now=now,
            appointment_id=appointment.id,
        )
    audit.record(
        db,
        actor=actor,
        action="appointments.notice",
        object_type="clinician_day",
        object_id=clinician[:40],
        notice=str(notice),
        minutes=minutes if notice == Notice.late else None,
        count=len(rows),
    )
    return len(rows)
