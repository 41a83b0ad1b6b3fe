"""Two-factor sign-in: an authenticator app's time-based codes (TOTP) and one-time recovery codes.

The secret is sealed at rest with a key derived from the secret key; recovery codes are stored as
hashes and each works once; a code, once accepted, is never accepted again (no replay).
"""

import hmac
import secrets

import pyotp
from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from app.accounts import sessions, throttle
from app.accounts.models import RecoveryCode, Role, TwoFactor, User
from app.audit import service as audit
from app.clock import utcnow
from app.errors import InvalidInput, PermissionDenied
from app.i18n import N_
from app.security import hash_token, seal, unseal, verify_password
from app.settings import get_settings

PURPOSE = "carepost two-factor secret"
RECOVERY_CODES = 10
# Codes from the step before and after the current one are accepted: phone clocks drift.
VALID_WINDOW = 1
# Recovery codes: 10 characters of an alphabet without look-alikes, about 50 bits each.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
WRONG_CODE = N_("that code is not right (or was used already); try the newest one")


def required_for(user: User) -> bool:
    """Whether user's role must sign in with a second factor (the two_factor_roles setting)."""
    return str(user.role) in get_settings().two_factor_role_names


def _row(db: Session, user: User) -> TwoFactor | None:
    return db.get(TwoFactor, user.id)


def is_enabled(*, db: Session, user: User) -> bool:
    """Whether user has a confirmed authenticator."""
    row = _row(db, user)
    return row is not None and row.confirmed_at is not None


def enabled_user_ids(*, db: Session) -> set[int]:
    """The users with a confirmed authenticator."""
    query = select(TwoFactor.user_id).where(col(TwoFactor.confirmed_at).is_not(None))
    return set(db.exec(query))


def unused_recovery_codes(*, db: Session, user: User) -> int:
    """How many of user's recovery codes are left."""
    query = select(func.count()).where(
        RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None)
    )
    return db.exec(query).one()


def provisioning_uri(*, user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    issuer = get_settings().practice_name
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def pending_secret(*, db: Session, user: User) -> str:
    """The secret of an enrolment in progress, made on first call (kept across page reloads)."""
    row = _row(db, user)
    if row is not None and row.confirmed_at is not None:
        raise InvalidInput("two-factor sign-in is already on")
    if row is None:
        row = TwoFactor(user_id=user.id, secret_sealed=seal(PURPOSE, pyotp.random_base32()))
        db.add(row)
        db.flush()
    return unseal(PURPOSE, row.secret_sealed)


def _matching_step(secret: str, code: str) -> int | None:
    """The time step whose code this is, within the accepted window, if any."""
    totp = pyotp.TOTP(secret)
    now = utcnow()
    step = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return step + offset
    return None


def _accept_totp(db: Session, row: TwoFactor, code: str) -> bool:
    step = _matching_step(unseal(PURPOSE, row.secret_sealed), code)
    if step is None or (row.last_step is not None and step <= row.last_step):
        return False
    # A conditional update: two requests racing with the same code cannot both succeed.
    accepted = db.execute(
        update(TwoFactor)
        .where(col(TwoFactor.user_id) == row.user_id)
        .where((col(TwoFactor.last_step).is_(None)) | (col(TwoFactor.last_step) < step))
        .values(last_step=step)
    ).rowcount
    db.refresh(row)
    return accepted == 1


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _new_codes(db: Session, user: User) -> list[str]:
    db.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    db.add_all(RecoveryCode(user_id=user.id, code_hash=hash_token(code)) for code in codes)
    db.flush()
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _use_recovery_code(db: Session, user: User, code: str) -> bool:
    used = db.execute(
        update(RecoveryCode)
        .where(col(RecoveryCode.user_id) == user.id)
        .where(col(RecoveryCode.code_hash) == hash_token(code))
        .where(col(RecoveryCode.used_at).is_(None))
        .values(used_at=utcnow())
    ).rowcount
    return used == 1


def confirm(*, db: Session, user: User, code: str, ip: str) -> list[str]:
    """Turn two-factor sign-in on with a first code from the app; returns the recovery codes."""
    row = _row(db, user)
    if row is None or row.confirmed_at is not None:
        raise InvalidInput("start again from the two-factor page")
    key = "2fa:" + throttle.key_for(user.username)
    throttle.check(db=db, key=key, ip=ip)
    ok = _accept_totp(db, row, _normalise(code))
    throttle.record(db=db, key=key, ip=ip, succeeded=ok)
    if not ok:
        raise InvalidInput(WRONG_CODE, field="code")
    row.confirmed_at = utcnow()
    db.add(row)
    audit.record(db, actor=user, action="two_factor.on", object_type="user", object_id=user.id)
    return _new_codes(db, user)


def check_code(*, db: Session, user: User, code: str, ip: str) -> bool:
    """Whether code is user's current authenticator code or an unused recovery code (then spent).

    Throttled like the password, under a key of its own: a known password does not reset it.
    """
    key = "2fa:" + throttle.key_for(user.username)
    throttle.check(db=db, key=key, ip=ip)
    row = _row(db, user)
    code = _normalise(code)
    ok = False
    if row is not None and row.confirmed_at is not None:
        if code.isdigit():
            ok = _accept_totp(db, row, code)
        elif len(code) == 10:
            ok = _use_recovery_code(db, user, code)
            if ok:
                audit.record(
                    db,
                    actor=user,
                    action="two_factor.recovery_code",
                    object_type="user",
                    object_id=user.id,
                    left=unused_recovery_codes(db=db, user=user),
                )
    throttle.record(db=db, key=key, ip=ip, succeeded=ok)
    return ok


def renew_recovery_codes(*, db: Session, user: User, code: str, ip: str) -> list[str]:
    """A new set of recovery codes (the old ones stop working), after a current code."""
    if not check_code(db=db, user=user, code=code, ip=ip):
        raise InvalidInput(WRONG_CODE, field="code")
    audit.record(
        db, actor=user, action="two_factor.recovery_codes", object_type="user", object_id=user.id
    )
    return _new_codes(db, user)


def forget(*, db: Session, user: User) -> None:
    """Remove user's authenticator and recovery codes (the demo's accounts start without)."""
    db.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    db.execute(delete(TwoFactor).where(col(TwoFactor.user_id) == user.id))


def turn_off(*, db: Session, user: User, password: str, code: str, ip: str) -> None:
    """A user whose role does not require it turns two-factor sign-in off (password and code)."""
    if required_for(user):
        raise PermissionDenied("your role must sign in with two factors")
    if not verify_password(password, user.password_hash):
        raise InvalidInput("the password is not right", field="password")
    if not check_code(db=db, user=user, code=code, ip=ip):
        raise InvalidInput(WRONG_CODE, field="code")
    forget(db=db, user=user)
    audit.record(db, actor=user, action="two_factor.off", object_type="user", object_id=user.id)


def reset(*, db: Session, user: User, actor: User) -> None:
    """An administrator clears a user's lost authenticator; their sessions end and, if their role
    requires it, they enrol again at their next log-in."""
    if user.id == actor.id:
        raise InvalidInput("another administrator must reset your own two-factor sign-in")
    if actor.role != Role.admin:
        raise PermissionDenied("your role does not allow this")
    forget(db=db, user=user)
    sessions.end_all(db=db, user_id=user.id)
    audit.record(db, actor=actor, action="two_factor.reset", object_type="user", object_id=user.id)
