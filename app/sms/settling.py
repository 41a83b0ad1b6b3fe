"""Uncertain outbound SMS, as staff settle them (sent or not sent), and who is told about them."""

from sqlmodel import Session, col, select

from app.accounts.models import Role
from app.clock import utcnow
from app.delivery import uncertain
from app.errors import Conflict, NotFound
from app.i18n import N_, Message
from app.notifications import service as notifications
from app.sms.models import OutboundSms, SmsStatus

NOT_SENT = N_("checked by staff: it did not go out")


def tell(db: Session, message: OutboundSms) -> None:
    """The admins learn of an SMS that may or may not have gone out (never its number or text)."""
    notifications.notify_uncertain(
        db=db,
        kind="sms.uncertain",
        message=Message(
            N_("SMS #{id} may or may not have reached the patient: check it with the provider"),
            id=message.id,
        ),
        link=f"/sms/inbox#outbound-sms-{message.id}",
    )


def _items(db: Session, limit: int) -> list[uncertain.Item]:
    rows = db.exec(
        select(OutboundSms)
        .where(OutboundSms.status == SmsStatus.uncertain)
        .order_by(col(OutboundSms.id))
        .limit(limit)
    )
    return [
        uncertain.Item(
            kind="sms",
            id=m.id,
            what=Message(N_("SMS #{id}"), id=m.id),
            channel=m.provider or "SMS",
            since=m.claimed_at or m.due_at,
            error=m.error,
            link=f"/contacts/{m.contact_id}" if m.contact_id else None,
        )
        for m in rows
    ]


def _settle(db: Session, message_id: int, sent: bool) -> None:
    message = db.get(OutboundSms, message_id)
    if message is None:
        raise NotFound("no such message")
    if message.status != SmsStatus.uncertain:
        raise Conflict("this message is settled already")
    now = utcnow()
    if sent:
        message.status, message.sent_at, message.error = (
            SmsStatus.sent,
            message.sent_at or now,
            None,
        )
    else:
        message.status, message.error = SmsStatus.failed, NOT_SENT
    message.status_at, message.needs_reconcile = now, False
    db.add(message)


uncertain.register(
    uncertain.Settling("sms", frozenset({Role.admin, Role.clinician}), _items, _settle)
)
