"""Password rules, a user's own password change and an administrator's reset."""

import secrets

from sqlalchemy import update
from sqlmodel import Session, col

from app.accounts import sessions, throttle
from app.accounts.models import ApiToken, User
from app.accounts.names import squash
from app.audit import service as audit
from app.clock import utcnow
from app.errors import InvalidInput, PermissionDenied
from app.security import hash_password, verify_password

MIN_LENGTH, MAX_LENGTH = 10, 200
# The commonest choices that still pass the length rule; tried first by every guessing tool.
COMMON = frozenset(
    squash(p)
    for p in (
        "password123 password1234 passw0rd123 qwertyuiop 1234567890 0123456789 iloveyou123 "
        "contraseña contrasena123 contraseña123 administrador 1q2w3e4r5t 1qaz2wsx3edc "
        "abcdefghij abc1234567 welcome123 bienvenido carepost2026 letmein123 aaaaaaaaaa"
    ).split()
)


def check_strength(password: str, *, username: str = "", display_name: str = "") -> None:
    """Refuse passwords that are short, very repetitive, common, or made of the user's names."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput("a password needs 10 to 200 characters", field="password")
    if len(set(password)) < 5:
        raise InvalidInput("the password repeats too few different characters", field="password")
    folded = squash(password)
    names = {squash(username), squash(display_name)} - {""}
    if folded in COMMON or any(len(n) >= 3 and n in folded for n in names):
        raise InvalidInput(
            "the password is too easy to guess: avoid common passwords and your own names",
            field="password",
        )


def change(
    *,
    db: Session,
    user: User,
    current: str,
    new: str,
    ip: str,
    keep_session_id: int | None,
) -> int:
    """A user's own change: needs the current password; ends the user's other sessions.

    API tokens keep working: they are separate credentials the user manages on the same page.
    Returns how many other sessions ended.
    """
    key = throttle.key_for(user.username)
    throttle.check(db=db, key=key, ip=ip)
    if not verify_password(current, user.password_hash):
        # Counted like a failed log-in, so a borrowed session cannot guess the password.
        throttle.record(db=db, key=key, ip=ip, succeeded=False)
        audit.record(
            db,
            actor=user,
            action="password.change.failed",
            object_type="user",
            object_id=user.id,
            ip=ip,
        )
        raise PermissionDenied("the current password is not right")
    if new == current:
        raise InvalidInput("choose a password different from the current one", field="password")
    check_strength(new, username=user.username, display_name=user.display_name)
    user.password_hash = hash_password(new)
    db.add(user)
    ended = sessions.end_all(db=db, user_id=user.id, keep_id=keep_session_id)
    audit.record(
        db,
        actor=user,
        action="password.change",
        object_type="user",
        object_id=user.id,
        ip=ip,
        sessions_ended=ended,
    )
    return ended


def generate() -> str:
    """A random password an administrator hands over once (about 96 bits)."""
    return secrets.token_urlsafe(12)


def reset(*, db: Session, user: User, actor: User, new: str | None = None) -> str:
    """An administrator sets (or generates) a user's password; returns it.

    Every session and API token of that user ends: a reset usually follows a lost or borrowed account.
    """
    if user.id == actor.id:
        raise InvalidInput("change your own password on your account page", field="password")
    password = new if new and new.strip() else generate()
    check_strength(password, username=user.username, display_name=user.display_name)
    user.password_hash = hash_password(password)
    db.add(user)
    ended = sessions.end_all(db=db, user_id=user.id)
    revoked = db.execute(
        update(ApiToken)
        .where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    audit.record(
        db,
        actor=actor,
        action="password.reset",
        object_type="user",
        object_id=user.id,
        generated=password != new,
        sessions_ended=ended,
        tokens_revoked=revoked,
    )
    return password
