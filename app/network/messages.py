"""Direct messages between verified clinicians: scored like every text; a flagged one is held for
review and reaches its recipient only once approved."""

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit import service as audit
from app.clock import utcnow
from app.errors import InvalidInput, NotFound
from app.i18n import N_, Message
from app.network.models import ConversationPublic, DirectMessage
from app.network.service import NOT_APPLICABLE, require
from app.notifications import service as notifications
from app.review import service as review
from app.review.models import ContentStatus

MAX_TEXT = 5000
THREAD_SIZE = 200
HELD_NOTICE = N_(
    "Held for review: this message seems to hold patient data or break the rules. It was not "
    "delivered; a colleague will review it."
)


def _colleague(db: Session, viewer: User, user_id: int) -> User:
    require(viewer)
    other = db.get(User, user_id)
    if (
        other is None
        or other.id == viewer.id
        or not other.is_verified_clinician
        or not other.is_active
    ):
        raise NotFound("no such colleague")
    return other


def send(*, db: Session, sender: User, recipient_id: int, text: str) -> DirectMessage:
    """Send a message; it is delivered (and the recipient told) only if nothing flags it."""
    recipient = _colleague(db, sender, recipient_id)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("write something first", field="text")
    if len(text) > MAX_TEXT:
        raise InvalidInput("at most 5000 characters", field="text")
    message = DirectMessage(sender_id=sender.id, recipient_id=recipient.id, text=text)
    db.add(message)
    db.flush()
    screening = review.screen(db, kind="direct_message", target=message, ignore=NOT_APPLICABLE)
    if screening.status != ContentStatus.visible:
        message.status, message.notice = ContentStatus.held, HELD_NOTICE
    else:
        notifications.notify(
            db=db,
            user_id=recipient.id,
            kind="message",
            message=Message("New message from {name}", name=sender.display_name),
            link=f"/messages/{sender.id}",
        )
    audit.record(
        db,
        actor=sender,
        action="network.message",
        object_type="direct_message",
        object_id=message.id,
        status=str(message.status),
    )
    return message


def _readable(viewer: User):
    """The viewer's sent messages (held ones too) and the delivered ones sent to them."""
    return or_(
        DirectMessage.sender_id == viewer.id,
        and_(
            DirectMessage.recipient_id == viewer.id,
            DirectMessage.status == ContentStatus.visible,
        ),
    )


def thread(*, db: Session, viewer: User, user_id: int) -> tuple[User, list[DirectMessage]]:
    """The conversation with one colleague, oldest first; what they sent is marked read."""
    other = _colleague(db, viewer, user_id)
    pair = or_(
        and_(DirectMessage.sender_id == viewer.id, DirectMessage.recipient_id == other.id),
        and_(DirectMessage.sender_id == other.id, DirectMessage.recipient_id == viewer.id),
    )
    query = select(DirectMessage).where(pair, _readable(viewer))
    rows = list(db.exec(query.order_by(col(DirectMessage.id).desc()).limit(THREAD_SIZE)))
    db.exec(
        update(DirectMessage)
        .where(
            DirectMessage.sender_id == other.id,
            DirectMessage.recipient_id == viewer.id,
            DirectMessage.status == ContentStatus.visible,
            col(DirectMessage.read_at).is_(None),
        )
        .values(read_at=utcnow())
    )
    return other, rows[::-1]


def _unread(db: Session, viewer: User) -> dict[int, int]:
    """How many delivered messages each colleague sent the viewer that the viewer has not read."""
    query = (
        select(DirectMessage.sender_id, func.count())
        .where(
            DirectMessage.recipient_id == viewer.id,
            DirectMessage.status == ContentStatus.visible,
            col(DirectMessage.read_at).is_(None),
        )
        .group_by(col(DirectMessage.sender_id))
    )
    return dict(db.exec(query).all())


def inbox(*, db: Session, viewer: User, limit: int = 50) -> list[ConversationPublic]:
    """One line per colleague written with, the latest conversation first."""
    require(viewer)
    other = func.coalesce(
        func.nullif(DirectMessage.sender_id, viewer.id), DirectMessage.recipient_id
    ).label("other")
    latest = (
        select(other, func.max(DirectMessage.id).label("last_id"))
        .where(_readable(viewer))
        .group_by(other)
        .subquery()
    )
    unread = _unread(db, viewer)
    query = (
        select(DirectMessage, User)
        .join(latest, col(DirectMessage.id) == latest.c.last_id)
        .join(User, col(User.id) == latest.c.other)
        .order_by(col(DirectMessage.id).desc())
        .limit(limit)
    )
    return [
        ConversationPublic(
            with_id=user.id,
            with_name=user.display_name,
            last_text=message.text[:120],
            last_at=message.created_at,
            unread=unread.get(user.id, 0),
        )
        for message, user in db.exec(query)
    ]


def _context(db: Session, target: DirectMessage) -> dict:
    sender = db.get(User, target.sender_id)
    return {
        "where": Message("direct message between clinicians"),
        "link": None,
        "author": sender.display_name if sender else "?",
        "thread": [],
    }


# What the review queue holds of this module's content; app/review/kinds.py registers it at start-up.
REVIEW_KINDS = {
    "direct_message": review.ContentKind(
        model=DirectMessage, label="direct message", context=_context
    )
}
