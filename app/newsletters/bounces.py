"""What comes back: bounce messages and complaints (posted by the mail server or relay), read with
flufl.bounce; a hard bounce or a complaint suppresses the address, soft bounces after a limit."""

import re
from email import message_from_bytes
from email.message import Message
from email.policy import compat32

from flufl.bounce import all_failures
from sqlalchemy import func
from sqlmodel import Session, select

from app.contacts import service as contacts
from app.contacts.models import (
    ConsentAction,
    ConsentRecord,
    MessageChannel,
    Purpose,
    SuppressionReason,
)
from app.errors import NotFound
from app.newsletters import audience, config
from app.newsletters.models import EmailEvent, EmailEventKind, OutboundEmail

_VERP = re.compile(r"bounces\+([A-Za-z0-9_-]{16,32})@")
_UNSUBSCRIBE = re.compile(r"unsubscribe\+([A-Za-z0-9_-]{16,32})@")
_RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Envelope-To")
MAX_BYTES = 1_000_000


def _token(mail: Message, raw: bytes) -> str | None:
    """The VERP token in the address the bounce was sent to (or anywhere in the returned headers)."""
    for header in _RECIPIENT_HEADERS:
        found = _VERP.search(str(mail.get(header, "")))
        if found:
            return found.group(1)
    found = _VERP.search(raw.decode(errors="replace"))
    return found.group(1) if found else None


def is_complaint(mail: Message) -> bool:
    """An abuse report in ARF (RFC 5965): the recipient marked the message as spam."""
    return mail.get_content_type() == "multipart/report" and (
        mail.get_param("report-type") == "feedback-report"
    )


def _unsubscribe_token(mail: Message) -> str | None:
    """The token of an e-mail sent to the List-Unsubscribe mailto (unsubscribe+TOKEN@…)."""
    for header in _RECIPIENT_HEADERS:
        found = _UNSUBSCRIBE.search(str(mail.get(header, "")))
        if found:
            return found.group(1)
    return None


def _unsubscribe(db: Session, token: str, now) -> str:
    """A person wrote to the List-Unsubscribe address: the same withdrawal as the one-click link."""
    try:
        audience.unsubscribe(db=db, token=token, now=now, ip=None, how="e-mail unsubscribe")
    except NotFound:
        return "ignored"
    return "unsubscribe"


def handle(*, db: Session, raw: bytes, now) -> str:
    """Read one message that came back: a bounce, a complaint, or an e-mail to the unsubscribe
    address; returns what it was (hard_bounce, soft_bounce, complaint, unsubscribe, ignored)."""
    mail = message_from_bytes(raw[:MAX_BYTES], policy=compat32)
    unsubscribing = _unsubscribe_token(mail)
    if unsubscribing and not is_complaint(mail):
        return _unsubscribe(db, unsubscribing, now)
    token = _token(mail, raw[:MAX_BYTES])
    row = (
        db.exec(select(OutboundEmail).where(OutboundEmail.token == token)).first()
        if token
        else None
    )
    if row is None:
        return "ignored"
    if is_complaint(mail):
        kind = EmailEventKind.complaint
    else:
        temporary, permanent = all_failures(mail)
        if permanent:
            kind = EmailEventKind.hard_bounce
        elif temporary:
            kind = EmailEventKind.soft_bounce
        else:
            return "ignored"
    db.add(EmailEvent(outbound_id=row.id, newsletter_id=row.newsletter_id, kind=kind, at=now))
    db.flush()
    if (
        kind == EmailEventKind.soft_bounce
        and _soft_bounces(db, row.to_address) < config.current(db).soft_bounce_limit
    ):
        return str(kind)
    reason = (
        SuppressionReason.complaint
        if kind == EmailEventKind.complaint
        else SuppressionReason.bounced
    )
    contacts.suppress(
        db=db, address=row.to_address, reason=reason, now=now, channel=MessageChannel.email
    )
    if kind == EmailEventKind.complaint and row.contact_id is not None:
        contacts.add_record(
            db,
            ConsentRecord(
                contact_id=row.contact_id,
                purpose=Purpose.newsletters,
                channel=MessageChannel.email,
                action=ConsentAction.withdrawn,
                address=row.to_address,
                at=now,
                form="spam complaint",
            ),
        )
    return str(kind)


def _soft_bounces(db: Session, address: str) -> int:
    return db.exec(
        select(func.count())
        .select_from(EmailEvent)
        .join(OutboundEmail, OutboundEmail.id == EmailEvent.outbound_id)
        .where(OutboundEmail.to_address == address, EmailEvent.kind == EmailEventKind.soft_bounce)
    ).one()
