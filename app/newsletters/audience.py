"""Who gets the newsletter: sign-up with double opt-in, one-click unsubscribe, preferences, clicks.

Every public step is reached by a token from an e-mail; a GET only shows a page, a POST acts (mail
scanners follow links, and must not confirm or unsubscribe anyone).
"""

from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.accounts.models import User
from app.audit import service as audit
from app.contacts import service as contacts
from app.contacts.models import (
    ConsentAction,
    ConsentRecord,
    Contact,
    MessageChannel,
    Purpose,
)
from app.errors import InvalidInput, NotFound
from app.newsletters import tokens
from app.newsletters.models import (
    EmailEvent,
    EmailEventKind,
    EmailKind,
    NewsletterSignup,
    OutboundEmail,
)
from app.newsletters.schemas import SignupIn

FORM_VERSION = "2026-11"


def by_token(db: Session, token: str) -> OutboundEmail:
    """The newsletter or digest message an unsubscribe or preference link belongs to."""
    row = db.exec(select(OutboundEmail).where(OutboundEmail.token == token[:32])).first()
    if row is None or not (
        (row.kind == EmailKind.newsletter and row.contact_id is not None)
        or (row.kind == EmailKind.digest and row.user_id is not None)
    ):
        raise NotFound("this link is not valid (it may have been copied incompletely)")
    return row


def subscribed(db: Session, contact: Contact, now: datetime) -> bool:
    return bool(contacts.may_send(db, contact, MessageChannel.email, Purpose.newsletters, now))


def receiving(db: Session, row: OutboundEmail, now: datetime) -> bool:
    """Whether the recipient of this message still receives its kind (newsletter or digest)."""
    if row.kind == EmailKind.digest:
        user = db.get(User, row.user_id)
        return user is not None and user.digest_email
    contact = db.get(Contact, row.contact_id)
    return contact is not None and subscribed(db, contact, now)


def _set_digest(db: Session, row: OutboundEmail, on: bool, ip: str | None, how: str) -> bool:
    """The digest by e-mail turned off (or on again, at the address it went to); False if unchanged."""
    user = db.get(User, row.user_id)
    if user is None or user.digest_email == on:
        return False
    if on and (user.email or "").lower() != row.to_address.lower():
        return False
    user.digest_email = on
    db.add(user)
    action = "digest.email_on" if on else "digest.email_off"
    audit.record(
        db, actor=None, action=action, object_type="user", object_id=user.id, ip=ip, how=how
    )
    return True


def _choice(
    db: Session,
    contact: Contact,
    action: ConsentAction,
    now: datetime,
    *,
    form: str,
    ip: str | None,
    text: str | None = None,
    confirmed: bool = False,
) -> ConsentRecord:
    record = ConsentRecord(
        contact_id=contact.id,
        purpose=Purpose.newsletters,
        channel=MessageChannel.email,
        action=action,
        address=contact.email or "",
        at=now,
        form=form,
        form_version=FORM_VERSION,
        text_shown=text,
        ip=ip,
        confirmed_at=now if confirmed else None,
    )
    return contacts.add_record(db, record)


def unsubscribe(*, db: Session, token: str, now: datetime, ip: str | None, how: str) -> bool:
    """Withdraw the newsletter consent of the message's recipient (or turn off an account's digest
    by e-mail); False when already withdrawn."""
    row = by_token(db, token)
    if row.kind == EmailKind.digest:
        if not _set_digest(db, row, False, ip, how):
            return False
    else:
        contact = db.get(Contact, row.contact_id)
        if contact is None or not subscribed(db, contact, now):
            return False
        _choice(db, contact, ConsentAction.withdrawn, now, form=how, ip=ip)
    db.add(
        EmailEvent(
            outbound_id=row.id,
            newsletter_id=row.newsletter_id,
            kind=EmailEventKind.unsubscribe,
            at=now,
        )
    )
    return True


def resubscribe(*, db: Session, token: str, now: datetime, ip: str | None, text: str) -> None:
    """From the preference page: the person asks for the newsletter again (an express opt-in)."""
    row = by_token(db, token)
    if row.kind == EmailKind.digest:
        _set_digest(db, row, True, ip, "preference page")
        return
    contact = db.get(Contact, row.contact_id)
    if contact is not None and not subscribed(db, contact, now):
        _choice(
            db,
            contact,
            ConsentAction.granted,
            now,
            form="preference page",
            ip=ip,
            text=text,
            confirmed=True,
        )


PAUSES = (1, 3, 6)  # months a person may pause the newsletter for


def paused_until(db: Session, row: OutboundEmail, now: datetime) -> datetime | None:
    """Until when the newsletter's recipient paused it (None: not paused)."""
    contact = db.get(Contact, row.contact_id) if row.kind == EmailKind.newsletter else None
    until = contact.newsletter_paused_until if contact is not None else None
    return until if until is not None and until > now else None


def pause(*, db: Session, token: str, months: int, now: datetime) -> None:
    """From the preference page: no newsletter for `months` (0 resumes now); consent is kept."""
    row = by_token(db, token)
    if row.kind != EmailKind.newsletter:
        raise InvalidInput("only the newsletter can be paused")
    if months not in (0, *PAUSES):
        raise InvalidInput("choose a pause of 1, 3 or 6 months")
    contact = db.get(Contact, row.contact_id)
    contact.newsletter_paused_until = now + timedelta(days=30 * months) if months else None
    db.add(contact)
    audit.record(
        db,
        actor=None,
        action="newsletter.pause",
        object_type="contact",
        object_id=contact.id,
        months=months,
    )


def click(*, db: Session, token: str, url: str, signature: str, now: datetime) -> str:
    """Count a click on a tracked link and say where to go; a link not signed by carepost is refused."""
    if not url.startswith(("https://", "http://")) or not tokens.link_is_signed(
        token, url, signature
    ):
        raise NotFound("this link is not valid (it may have been copied incompletely)")
    row = db.exec(select(OutboundEmail).where(OutboundEmail.token == token[:32])).first()
    if row is not None:
        db.add(
            EmailEvent(
                outbound_id=row.id,
                newsletter_id=row.newsletter_id,
                kind=EmailEventKind.click,
                at=now,
            )
        )
    return url


def opened(*, db: Session, token: str, now: datetime) -> None:
    """A newsletter's tracking image was loaded: its recipient's first open is counted, once."""
    row = db.exec(select(OutboundEmail).where(OutboundEmail.token == token[:32])).first()
    if row is None or row.newsletter_id is None:
        return
    seen = db.exec(
        select(EmailEvent.id)
        .where(EmailEvent.outbound_id == row.id, EmailEvent.kind == EmailEventKind.open)
        .limit(1)
    ).first()
    if seen is None:
        db.add(
            EmailEvent(
                outbound_id=row.id,
                newsletter_id=row.newsletter_id,
                kind=EmailEventKind.open,
                at=now,
            )
        )


def sign_up(
    *, db: Session, data: SignupIn, text_shown: str, ip: str | None, now: datetime
) -> NewsletterSignup:
    """A sign-up on the public form: nothing is sent to the person but the one confirmation e-mail."""
    contact = db.exec(select(Contact).where(Contact.email == data.email).limit(1)).first()
    if contact is None:
        contact = Contact(name=data.name, email=data.email, language=data.language, created_at=now)
        db.add(contact)
        db.flush()
    signup = NewsletterSignup(
        contact_id=contact.id,
        token=tokens.token("signup", str(contact.id), now.isoformat()),
        language=data.language,
        text_shown=text_shown,
        ip=ip,
        created_at=now,
    )
    db.add(signup)
    db.flush()
    db.add(
        OutboundEmail(
            kind=EmailKind.confirmation,
            contact_id=contact.id,
            signup_id=signup.id,
            to_address=data.email,
            language=data.language,
            token=tokens.token("confirmation", str(signup.id)),
            due_at=now,
            created_at=now,
        )
    )
    audit.record(
        db,
        actor=None,
        action="newsletter.signup",
        object_type="contact",
        object_id=contact.id,
        ip=ip,
    )
    return signup


def signup_by_token(db: Session, token: str) -> NewsletterSignup:
    signup = db.exec(select(NewsletterSignup).where(NewsletterSignup.token == token[:32])).first()
    if signup is None:
        raise NotFound("this link is not valid (it may have been copied incompletely)")
    return signup


def confirm(*, db: Session, token: str, ip: str | None, now: datetime) -> NewsletterSignup:
    """The POST behind the confirmation link: the opt-in is recorded, once."""
    signup = signup_by_token(db, token)
    if signup.confirmed_at is not None:
        return signup
    contact = db.get(Contact, signup.contact_id)
    if contact is None:
        raise InvalidInput("this sign-up can no longer be confirmed")
    signup.confirmed_at = now
    db.add(signup)
    _choice(
        db,
        contact,
        ConsentAction.granted,
        now,
        form="newsletter sign-up (double opt-in)",
        ip=ip,
        text=signup.text_shown,
        confirmed=True,
    )
    return signup
