"""Everything carepost holds about one contact, as JSON (GDPR art. 15 access, art. 20 portability)."""

from sqlmodel import Session, col, select

from app.appointments.models import Appointment
from app.clock import utcnow
from app.contacts import service as contacts
from app.sms.models import InboundSms, OutboundSms


def _plain(row, skip: tuple[str, ...] = ()) -> dict:
    return {
        key: (value.isoformat() if hasattr(value, "isoformat") else value)
        for key, value in row.model_dump().items()
        if key not in skip
    }


def export(*, db: Session, contact_id: int) -> dict:
    """The contact, consent history, appointments and every SMS to and from them."""
    contact = contacts.get(db=db, contact_id=contact_id)
    appointments = db.exec(
        select(Appointment)
        .where(Appointment.contact_id == contact_id)
        .order_by(col(Appointment.id))
    )
    sent = db.exec(
        select(OutboundSms)
        .where(OutboundSms.contact_id == contact_id)
        .order_by(col(OutboundSms.id))
    )
    received = db.exec(
        select(InboundSms).where(InboundSms.contact_id == contact_id).order_by(col(InboundSms.id))
    )
    return {
        "exported_at": utcnow().isoformat(),
        "contact": _plain(contact, skip=("created_by",)),
        "consent": [_plain(r) for r in contacts.history(db=db, contact_id=contact_id)],
        "suppressions": [
            _plain(s)
            for s in db.exec(
                select(contacts.Suppression).where(
                    col(contacts.Suppression.address).in_(
                        [a for a in (contact.phone, contact.email) if a]
                    )
                )
            )
        ],
        "appointments": [_plain(a) for a in appointments],
        "sms_sent": [_plain(m, skip=("attempts",)) for m in sent],
        "sms_received": [_plain(m, skip=("author_id",)) for m in received],
    }
