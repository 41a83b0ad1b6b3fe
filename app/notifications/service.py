"""Sending and reading in-app notifications."""

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.accounts.models import Role, User
from app.clock import utcnow
from app.i18n import Message, to_data
from app.notifications.models import Notification


def notify(
    *, db: Session, user_id: int, kind: str, message: str, link: str | None = None
) -> Notification:
    """Queue a notification for one user (committed with the caller's transaction); message is
    English text or a `Message`, shown in the language the user reads in."""
    item = Notification(user_id=user_id, kind=kind, link=link, **_text(message))
    db.add(item)
    return item


def notify_clinicians(*, db: Session, kind: str, message: str, link: str | None = None) -> int:
    """Notify every active, verified clinician (approvals, emergencies, escalations); how many."""
    query = select(User.id).where(
        User.role == Role.clinician, col(User.clinician_verified), col(User.is_active)
    )
    ids = list(db.exec(query))
    for user_id in ids:
        notify(db=db, user_id=user_id, kind=kind, message=message, link=link)
    return len(ids)


def notify_uncertain(
    *, db: Session, kind: str, message: str, link: str, also: int | None = None
) -> int:
    """Tell every active admin (and `also`, the item's author) that a message may or may not have
    gone out and a person must look; once per item: whoever still has it unread is not told again."""
    admins = select(User.id).where(User.role == Role.admin, col(User.is_active))
    told = set(
        db.exec(
            select(Notification.user_id).where(
                Notification.kind == kind,
                Notification.link == link,
                col(Notification.read_at).is_(None),
            )
        )
    )
    ids = [i for i in dict.fromkeys([*db.exec(admins), *([also] if also else [])]) if i not in told]
    for user_id in ids:
        notify(db=db, user_id=user_id, kind=kind, message=message, link=link)
    return len(ids)


def _text(message: str) -> dict:
    data = to_data(message) if isinstance(message, Message) else None
    return {"message": str(message)[:300], "text_data": data}


def unread_count(*, db: Session, user_id: int) -> int:
    """How many notifications the user has not read."""
    query = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
    )
    return db.exec(query).one()


def recent(*, db: Session, user_id: int, limit: int = 50) -> list[Notification]:
    """The user's latest notifications, newest first."""
    query = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(col(Notification.id).desc())
        .limit(limit)
    )
    return list(db.exec(query))


def mark_all_read(*, db: Session, user_id: int) -> None:
    """Mark every unread notification of the user as read."""
    db.exec(
        update(Notification)
        .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
