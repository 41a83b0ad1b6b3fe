"""Newsletters: write, approve, queue one e-mail per reachable recipient, and what the engine records."""

from datetime import datetime

from sqlalchemy import insert, text
from sqlmodel import Session, col, select

from app.accounts.models import Role, User
from app.audit import service as audit
from app.contacts import service as contacts
from app.contacts.models import Contact, MessageChannel, Purpose
from app.contacts.segments import Segment, reachable
from app.database import among
from app.errors import InvalidInput, NotFound, PermissionDenied
from app.i18n import N_, Message
from app.newsletters import tokens
from app.newsletters.models import (
    EmailKind,
    EmailStatus,
    Newsletter,
    NewsletterStatus,
    OutboundEmail,
)
from app.newsletters.schemas import NewsletterIn
from app.settings import get_settings
from connectors.base import ChannelError
from connectors.email import EmailError

EDITABLE = (NewsletterStatus.draft, NewsletterStatus.awaiting_approval, NewsletterStatus.approved)


def get(*, db: Session, newsletter_id: int) -> Newsletter:
    newsletter = db.get(Newsletter, newsletter_id)
    if newsletter is None:
        raise NotFound("no newsletter has this id")
    return newsletter


def list_newsletters(*, db: Session) -> list[Newsletter]:
    return list(db.exec(select(Newsletter).order_by(col(Newsletter.id).desc())))


PHI_REFUSED = N_(
    "it reads as health data about a person ({reasons}); a newsletter goes to many people and "
    "never carries anyone's health data"
)


def _checked_status(data: NewsletterIn) -> tuple[NewsletterStatus, list[str]]:
    """The moderation pre-check, as for posts: the classifier and its rules read the subject, the
    preheader and the body. Health data about a person is refused (nothing about anyone's care
    goes out by e-mail); health claims and anything else flagged wait for a clinician."""
    # Imported here: the classifier loads scikit-learn, which the delivery workers never need.
    from app.review import reasons, scoring

    results = scoring.score([text for text in (data.subject, data.preheader, data.body) if text])
    if any("phi" in result.flags for result in results):
        found = [reason for result in results for reason in result.reasons.get("phi", [])]
        raise InvalidInput(
            Message(PHI_REFUSED, reasons=reasons.shown("; ".join(found[:2]) or "phi")), field="body"
        )
    flags = sorted({flag for result in results for flag in result.flags})
    if data.health_claim or flags:
        return NewsletterStatus.awaiting_approval, flags
    return NewsletterStatus.approved, flags


def save(
    *, db: Session, data: NewsletterIn, actor: User, newsletter_id: int | None = None
) -> Newsletter:
    """Create or change a newsletter; any change takes back a clinician's approval."""
    newsletter = (
        Newsletter(created_by=actor.id)
        if newsletter_id is None
        else get(db=db, newsletter_id=newsletter_id)
    )
    if newsletter.status not in EDITABLE:
        raise InvalidInput("a newsletter that is being sent cannot be changed")
    for name, value in data.model_dump().items():
        setattr(newsletter, name, value)
    newsletter.status, newsletter.flags = _checked_status(data)
    newsletter.approved_by = newsletter.approved_at = None
    db.add(newsletter)
    db.flush()
    audit.record(
        db, actor=actor, action="newsletter.save", object_type="newsletter", object_id=newsletter.id
    )
    return newsletter


def approve(*, db: Session, newsletter_id: int, clinician: User, now: datetime) -> Newsletter:
    """A clinician vouches for the health claims in this version."""
    if clinician.role != Role.clinician:
        raise PermissionDenied("only a clinician approves health claims")
    newsletter = get(db=db, newsletter_id=newsletter_id)
    if newsletter.status != NewsletterStatus.awaiting_approval:
        raise InvalidInput("this newsletter is not waiting for approval")
    newsletter.status, newsletter.approved_by, newsletter.approved_at = (
        NewsletterStatus.approved,
        clinician.id,
        now,
    )
    db.add(newsletter)
    audit.record(
        db,
        actor=clinician,
        action="newsletter.approve",
        object_type="newsletter",
        object_id=newsletter.id,
    )
    return newsletter


def recipients(*, db: Session, newsletter: Newsletter, now: datetime) -> list[Contact]:
    segment = Segment(tuple(newsletter.tags), newsletter.language)
    return reachable(
        db=db, segment=segment, channel=MessageChannel.email, purpose=Purpose.newsletters, now=now
    )


def queue(*, db: Session, newsletter_id: int, actor: User, now: datetime, batch: int = 1000) -> int:
    """One pending e-mail per recipient who opted in now; the engine sends them. Returns how many."""
    newsletter = get(db=db, newsletter_id=newsletter_id)
    if newsletter.status != NewsletterStatus.approved:
        raise InvalidInput("only an approved newsletter can be sent")
    people = recipients(db=db, newsletter=newsletter, now=now)
    rows = [
        {
            "kind": EmailKind.newsletter,
            "newsletter_id": newsletter.id,
            "contact_id": person.id,
            "to_address": person.email,
            "language": newsletter.language,
            "token": tokens.token("newsletter", str(newsletter.id), str(person.id)),
            "status": EmailStatus.pending,
            "attempts": 0,
            "created_at": now,
            "due_at": now,
            "needs_reconcile": False,
        }
        for person in people
    ]
    for start in range(0, len(rows), batch):
        db.execute(insert(OutboundEmail), rows[start : start + batch])
    if len(rows) >= batch and db.get_bind().dialect.name == "postgresql":
        # The planner must know the queue grew before the workers claim from it: with the
        # statistics of an empty table it would sort every pending row on each claim.
        db.execute(text("ANALYZE outboundemail"))
    newsletter.status, newsletter.queued_at = NewsletterStatus.sending, now
    db.add(newsletter)
    audit.record(
        db,
        actor=actor,
        action="newsletter.send",
        object_type="newsletter",
        object_id=newsletter.id,
        recipients=len(rows),
    )
    return len(rows)


def queue_test(
    *, db: Session, newsletter_id: int, address: str, actor: User, now: datetime
) -> OutboundEmail:
    """A copy to a member of staff, before the newsletter goes out."""
    newsletter = get(db=db, newsletter_id=newsletter_id)
    row = OutboundEmail(
        kind=EmailKind.test,
        newsletter_id=newsletter.id,
        to_address=address,
        language=newsletter.language,
        token=tokens.token("test", str(newsletter.id), address, now.isoformat()),
        due_at=now,
        created_at=now,
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="newsletter.test_send",
        object_type="newsletter",
        object_id=newsletter.id,
    )
    return row


def still_wanted(db: Session, row: OutboundEmail, now: datetime) -> contacts.Decision:
    """At send time: the address not suppressed, and for a newsletter the person still opted in."""
    if row.kind == EmailKind.newsletter:
        contact = db.get(Contact, row.contact_id)
        if contact is None or (contact.email or "").lower() != row.to_address.lower():
            return contacts.Decision(False, "the contact's address changed")
        return contacts.may_send(db, contact, MessageChannel.email, Purpose.newsletters, now)
    suppressed = contacts.active_suppression(
        db=db, address=row.to_address, channel=MessageChannel.email, now=now
    )
    return contacts.Decision(suppressed is None, "the address is suppressed")


def queue_digest(*, db: Session, user: User, replies: int, now: datetime) -> OutboundEmail | None:
    """The weekly digest by e-mail for an account that asked for it: the number of new replies and a
    link to carepost, never a thread's title, a group's name or anyone's words (a support group's
    name alone can tell a condition). None when the account takes no digest by e-mail."""
    if not (user.digest_email and user.email and user.is_active):
        return None
    row = OutboundEmail(
        kind=EmailKind.digest,
        user_id=user.id,
        replies=replies,
        to_address=user.email.lower(),
        language=user.locale if user.locale in ("es", "en") else get_settings().locale,
        token=tokens.token("digest", str(user.id), now.isoformat()),
        due_at=now,
        created_at=now,
    )
    db.add(row)
    return row


def still_wanted_many(db: Session, rows: list, now: datetime) -> dict[int, contacts.Decision]:
    """`still_wanted` for a batch of rows (id, kind, contact_id, user_id, to_address): contacts,
    suppressions and consent read in one query each."""
    contact_ids = {r.contact_id for r in rows if r.kind == EmailKind.newsletter and r.contact_id}
    # Plain rows (id, email, phone), not ORM objects: the engine checks hundreds at a time.
    people = {}
    if contact_ids:
        query = select(Contact.id, Contact.email, Contact.phone, Contact.newsletter_paused_until)
        people = {c.id: c for c in db.exec(query.where(among(db, col(Contact.id), contact_ids)))}
    allowed = contacts.may_send_to(
        db, list(people.values()), MessageChannel.email, Purpose.newsletters, now
    )
    others = {r.to_address for r in rows if r.kind != EmailKind.newsletter}
    suppressed = contacts.suppressed_addresses(
        db=db, addresses=others, channel=MessageChannel.email, now=now
    )
    user_ids = {r.user_id for r in rows if r.kind == EmailKind.digest}
    accounts = (
        {u.id: u for u in db.exec(select(User).where(col(User.id).in_(user_ids)))}
        if user_ids
        else {}
    )
    decisions = {}
    for row in rows:
        if row.kind == EmailKind.digest:
            decisions[row.id] = _digest_wanted(accounts.get(row.user_id), row, suppressed)
            continue
        if row.kind != EmailKind.newsletter:
            decisions[row.id] = contacts.Decision(
                row.to_address not in suppressed, "the address is suppressed"
            )
            continue
        contact = people.get(row.contact_id)
        if contact is None or (contact.email or "").lower() != row.to_address.lower():
            decisions[row.id] = contacts.Decision(False, "the contact's address changed")
        elif contact.newsletter_paused_until and contact.newsletter_paused_until > now:
            decisions[row.id] = contacts.Decision(False, "the person paused the newsletter")
        else:
            decisions[row.id] = allowed[contact.id]
    return decisions


def _digest_wanted(
    user: User | None, row: OutboundEmail, suppressed: set[str]
) -> contacts.Decision:
    if user is None or not user.is_active or not user.digest_email:
        return contacts.Decision(False, "the account no longer takes the digest by e-mail")
    if (user.email or "").lower() != row.to_address.lower():
        return contacts.Decision(False, "the account's address changed")
    return contacts.Decision(row.to_address not in suppressed, "the address is suppressed")


def record_error(row: OutboundEmail, error: ChannelError) -> None:
    row.error = error.message[:300]
    row.smtp_code = error.smtp_code if isinstance(error, EmailError) else None


def finish_sent_newsletters(db: Session, newsletter_ids: set[int]) -> None:
    """A newsletter with nothing left pending or in flight is sent."""
    for newsletter_id in newsletter_ids:
        left = db.exec(
            select(OutboundEmail.id)
            .where(
                col(OutboundEmail.status).in_([EmailStatus.pending, EmailStatus.sending]),
                OutboundEmail.newsletter_id == newsletter_id,
                OutboundEmail.kind == EmailKind.newsletter,
            )
            .limit(1)
        ).first()
        newsletter = db.get(Newsletter, newsletter_id)
        if not left and newsletter is not None and newsletter.status == NewsletterStatus.sending:
            newsletter.status = NewsletterStatus.sent
            db.add(newsletter)
