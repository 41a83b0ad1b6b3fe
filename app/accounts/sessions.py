"""Server-side sessions: the cookie holds a random id, the database its hash and whether it ended."""

import secrets
from datetime import timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.accounts.models import User, UserSession
from app.clock import utcnow
from app.errors import NotFound
from app.security import hash_token

SESSION_DAYS = 14
# Writing on every request would serialise page loads; a minute's precision is plenty.
TOUCH_EVERY = timedelta(minutes=1)
KEEP_ENDED = timedelta(days=30)


def start(
    *,
    db: Session,
    user: User,
    ip: str | None = None,
    user_agent: str | None = None,
    second_factor: bool = False,
) -> str:
    """A new session for user; returns the plain id for the cookie (only its hash is stored)."""
    plain = secrets.token_urlsafe(32)
    now = utcnow()
    # The user's long-dead sessions go at each log-in, so the table stays small.
    db.execute(
        delete(UserSession).where(
            col(UserSession.user_id) == user.id,
            col(UserSession.expires_at) < now - KEEP_ENDED,
        )
    )
    db.execute(
        delete(UserSession).where(
            col(UserSession.user_id) == user.id,
            col(UserSession.ended_at) < now - KEEP_ENDED,
        )
    )
    db.add(
        UserSession(
            user_id=user.id,
            token_hash=hash_token(plain),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=SESSION_DAYS),
            ip=(ip or "")[:45] or None,
            user_agent=(user_agent or "")[:120] or None,
            second_factor=second_factor,
        )
    )
    db.flush()
    return plain


def resolve(*, db: Session, plain: str) -> tuple[UserSession, User] | None:
    """The live session with this id and its active user, if any."""
    query = (
        select(UserSession, User)
        .join(User, col(User.id) == UserSession.user_id)
        .where(UserSession.token_hash == hash_token(plain))
    )
    found = db.exec(query).first()
    if found is None:
        return None
    session, user = found
    now = utcnow()
    if session.ended_at is not None or session.expires_at <= now or not user.is_active:
        return None
    if now - session.last_seen_at > TOUCH_EVERY:
        session.last_seen_at = now
        db.add(session)
    return session, user


def end(*, db: Session, plain: str) -> None:
    """End the session with this id (log-out)."""
    db.execute(
        update(UserSession)
        .where(col(UserSession.token_hash) == hash_token(plain))
        .where(col(UserSession.ended_at).is_(None))
        .values(ended_at=utcnow())
    )


def end_all(*, db: Session, user_id: int, keep_id: int | None = None) -> int:
    """End every live session of a user except keep_id; returns how many ended."""
    statement = (
        update(UserSession)
        .where(col(UserSession.user_id) == user_id)
        .where(col(UserSession.ended_at).is_(None))
    )
    if keep_id is not None:
        statement = statement.where(col(UserSession.id) != keep_id)
    return db.execute(statement.values(ended_at=utcnow())).rowcount


def end_one(*, db: Session, user: User, session_id: int) -> None:
    """End one of the user's own sessions (a browser they no longer use)."""
    session = db.get(UserSession, session_id)
    if session is None or session.user_id != user.id:
        raise NotFound("no such session")
    if session.ended_at is None:
        session.ended_at = utcnow()
        db.add(session)


def list_live(*, db: Session, user: User) -> list[UserSession]:
    """The user's sessions that still work, most recently used first."""
    query = (
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            col(UserSession.ended_at).is_(None),
            UserSession.expires_at > utcnow(),
        )
        .order_by(col(UserSession.last_seen_at).desc(), col(UserSession.id).desc())
    )
    return list(db.exec(query))


def mark_second_factor(*, db: Session, session: UserSession) -> None:
    """This session has now shown a second factor (its user just enrolled)."""
    session.second_factor = True
    db.add(session)
