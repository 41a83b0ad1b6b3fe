"""Sending and reading in-app notifications."""

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.accounts.models import Role, User
from app.clock import utcnow
from app.i18n import translator
from app.notifications.models import Notification
from app.settings import get_settings


def notify(
    *, db: Session, user_id: int, kind: str, message: str, link: str | None = None
) -> Notification:
    """Queue a notification for one user, in their language (committed with the caller's
    transaction); message is English text or a `Message`."""
    user = db.get(User, user_id)
    locale = (user.locale if user else None) or get_settings().locale
    text = translator(locale)(message)
    item = Notification(user_id=user_id, kind=kind, message=text[:300], link=link)
    db.add(item)
    return item


def notify_clinicians(*, db: Session, kind: str, message: str, link: str | None = None) -> int:
    """Notify every active, verified clinician (approvals, emergencies, escalations); how many."""
    query = select(User.id, User.locale).where(
        User.role == Role.clinician, col(User.clinician_verified), col(User.is_active)
    )
    rows = list(db.exec(query))
    default = get_settings().locale
    for user_id, locale in rows:
        text = translator(locale or default)(message)[:300]
        db.add(Notification(user_id=user_id, kind=kind, message=text, link=link))
    return len(rows)


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
