"""Account operations: create, register, authenticate (throttled), verify, tokens, profiles."""

import re
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts import names, passwords, sessions, throttle
from app.accounts.models import (
    STAFF_ROLES,
    TOKEN_ROLES,
    ApiToken,
    PatientPseudonym,
    PatientRegister,
    Role,
    StaffProfile,
    User,
    UserCreate,
    UserSelf,
    check_username,
)
from app.audit import service as audit
from app.clock import utcnow
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.i18n import Message
from app.notifications import service as notifications
from app.security import hash_password, hash_token, new_api_token, verify_password


def get(*, db: Session, user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def get_by_username(*, db: Session, username: str) -> User | None:
    """The user with this username (case-insensitive), if any."""
    return db.exec(select(User).where(User.username == username.strip().lower())).first()


def list_users(*, db: Session, role: Role | None = None) -> list[User]:
    """All users, optionally of one role, by username."""
    query = select(User).order_by(User.username)
    if role:
        query = query.where(User.role == role)
    return list(db.exec(query))


def count_by_role(*, db: Session) -> dict[str, int]:
    """How many active users hold each role."""
    rows = db.exec(select(User.role, func.count()).where(User.is_active).group_by(User.role))
    return {str(role): count for role, count in rows}


def _ensure_free(db: Session, username: str) -> None:
    try:
        check_username(username)
    except ValueError as error:
        raise InvalidInput(str(error), field="username") from None
    if get_by_username(db=db, username=username):
        raise Conflict("the username “{username}” is taken", field="username", username=username)


def create_user(
    *, db: Session, data: UserCreate, actor: User | None, verified: bool = False
) -> User:
    """Create an account of any role (admins and the CLI); clinicians start unverified."""
    _ensure_free(db, data.username)
    if data.role == Role.clinician and verified and not data.licence_number:
        raise InvalidInput("a verified clinician needs a licence number", field="licence_number")
    passwords.check_strength(data.password, username=data.username, display_name=data.display_name)
    if data.role == Role.patient:
        names.check_pseudonym(db, display_name=data.display_name, real_name=data.real_name)
    user = User(
        **data.model_dump(exclude={"password"}),
        password_hash=hash_password(data.password),
        clinician_verified=verified and data.role == Role.clinician,
    )
    db.add(user)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        role=str(user.role),
        verified=user.clinician_verified,
    )
    return user


shows_real_name = names.shows_real_name


def register_patient(*, db: Session, data: PatientRegister, ip: str | None = None) -> User:
    """Self-registration: always a patient, known to others only by a pseudonym."""
    _ensure_free(db, data.username)
    names.check_pseudonym(db, display_name=data.display_name, real_name=data.real_name)
    passwords.check_strength(data.password, username=data.username, display_name=data.display_name)
    user = User(
        **data.model_dump(exclude={"password"}),
        role=Role.patient,
        password_hash=hash_password(data.password),
    )
    db.add(user)
    db.flush()
    audit.record(
        db, actor=user, action="user.register", object_type="user", object_id=user.id, ip=ip
    )
    return user


def authenticate(*, db: Session, username: str, password: str, ip: str) -> User | None:
    """The user if the password matches; raises TooManyRequests while this address must wait
    after repeated failures for this account (other addresses and accounts are not affected)."""
    key = throttle.key_for(username)
    throttle.check(db=db, key=key, ip=ip)
    user = get_by_username(db=db, username=key)
    ok = verify_password(password, user.password_hash if user else None) and bool(
        user and user.is_active
    )
    throttle.record(db=db, key=key, ip=ip, succeeded=ok)
    if user:
        audit.record(
            db,
            actor=user,
            action="login" if ok else "login.failed",
            object_type="user",
            object_id=user.id,
            ip=ip,
        )
    return user if ok else None


def logout(*, db: Session, user: User, session_id: str | None, ip: str | None = None) -> None:
    """End this browser's session on the server and record the log-out."""
    if session_id:
        sessions.end(db=db, plain=session_id)
    audit.record(db, actor=user, action="logout", object_type="user", object_id=user.id, ip=ip)


def verify_clinician(
    *, db: Session, user_id: int, actor: User, licence_number: str | None = None
) -> User:
    """An admin confirms a clinician's licence; only then do they see clinical areas."""
    user = get(db=db, user_id=user_id)
    if user.role != Role.clinician:
        raise InvalidInput("only clinician accounts can be verified")
    licence = (licence_number or user.licence_number or "").strip()
    if not licence:
        raise InvalidInput("enter the licence number you checked", field="licence_number")
    user.licence_number = licence
    user.clinician_verified = True
    db.add(user)
    audit.record(db, actor=actor, action="clinician.verify", object_type="user", object_id=user.id)
    return user


def set_role(*, db: Session, user_id: int, role: Role, actor: User) -> User:
    """Change a user's role; a role change always drops clinician verification."""
    user = get(db=db, user_id=user_id)
    if user.id == actor.id:
        raise InvalidInput("you cannot change your own role")
    previous = user.role
    user.role = role
    user.clinician_verified = False
    db.add(user)
    sessions.end_all(db=db, user_id=user.id)
    audit.record(
        db,
        actor=actor,
        action="user.role",
        object_type="user",
        object_id=user.id,
        previous=str(previous),
        role=str(role),
    )
    return user


def set_active(*, db: Session, user_id: int, active: bool, actor: User) -> User:
    """Deactivate (or reactivate) an account; deactivation ends its sessions."""
    user = get(db=db, user_id=user_id)
    if user.id == actor.id:
        raise InvalidInput("you cannot deactivate yourself")
    user.is_active = active
    db.add(user)
    sessions.end_all(db=db, user_id=user.id)
    audit.record(
        db,
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        object_type="user",
        object_id=user.id,
    )
    return user


EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+")


def update_preferences(
    *,
    db: Session,
    user: User,
    display_name: str,
    locale: str | None,
    email: str | None = None,
    digest_email: bool | None = None,
) -> User:
    """A user's own display name (pseudonym), language, and (when given) e-mail address and
    whether the weekly digest also comes by e-mail."""
    display_name = display_name.strip()
    if not 2 <= len(display_name) <= 60:
        raise InvalidInput("the display name must have 2 to 60 characters", field="display_name")
    if locale not in (None, "", "es", "en"):
        raise InvalidInput("language must be es or en", field="locale")
    if email is not None:
        email = email.strip().lower() or None
        if email is not None and (len(email) > 254 or not EMAIL.fullmatch(email)):
            raise InvalidInput("this is not an e-mail address", field="email")
        if digest_email and email is None:
            raise InvalidInput("give an e-mail address for the digest", field="email")
        user.email = email
    if digest_email is not None:
        user.digest_email = digest_email and user.email is not None
    if user.role == Role.patient:
        names.check_pseudonym(
            db, display_name=display_name, real_name=user.real_name, user_id=user.id
        )
    user.display_name = display_name
    user.locale = locale or None
    db.add(user)
    audit.record(db, actor=user, action="user.preferences", object_type="user", object_id=user.id)
    return user


def set_locale(*, db: Session, user: User, locale: str) -> None:
    """The language the user reads carepost in (chosen in the header)."""
    if locale not in ("es", "en"):
        raise InvalidInput("language must be es or en", field="locale")
    user.locale = locale
    db.add(user)


def rename(*, db: Session, user_id: int, display_name: str, reason: str, actor: User) -> User:
    """An admin replaces a display name that identifies its owner (a full name, a phone number)."""
    user = get(db=db, user_id=user_id)
    display_name, reason = display_name.strip(), reason.strip()
    if not 2 <= len(display_name) <= 60:
        raise InvalidInput("the display name must have 2 to 60 characters", field="display_name")
    if not reason:
        raise InvalidInput("say why the name is changed; the member is told", field="reason")
    if len(reason) > audit.MAX_VALUE_LENGTH:
        raise InvalidInput(
            f"keep the reason to {audit.MAX_VALUE_LENGTH} characters", field="reason"
        )
    if user.role == Role.patient:
        names.check_pseudonym(
            db, display_name=display_name, real_name=user.real_name, user_id=user.id
        )
    user.display_name = display_name
    db.add(user)
    audit.record(
        db,
        actor=actor,
        action="user.rename",
        object_type="user",
        object_id=user.id,
        reason=reason,
    )
    notifications.notify(
        db=db,
        user_id=user.id,
        kind="moderation",
        message=Message(
            "An administrator changed your display name to {name}: {reason}",
            name=display_name,
            reason=reason[:200],
        ),
        link="/account",
    )
    return user


def create_token(*, db: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for user; the plain text is returned once and never stored."""
    if user.role not in TOKEN_ROLES:
        raise PermissionDenied("API tokens are for staff accounts")
    name = name.strip()
    if not 1 <= len(name) <= 60:
        raise InvalidInput("give the token a name of 1 to 60 characters", field="name")
    plain, prefix, digest = new_api_token()
    token = ApiToken(user_id=user.id, name=name, prefix=prefix, token_hash=digest)
    db.add(token)
    db.flush()
    audit.record(db, actor=user, action="token.create", object_type="token", object_id=token.id)
    return token, plain


def revoke_token(*, db: Session, user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens."""
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("no such token")
    token.revoked_at = utcnow()
    db.add(token)
    audit.record(db, actor=user, action="token.revoke", object_type="token", object_id=token.id)


def list_tokens(*, db: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first."""
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.id).desc())
    return list(db.exec(query))


def user_for_token(*, db: Session, plain: str) -> User | None:
    """The active user owning this unrevoked token, if any."""
    query = (
        select(ApiToken, User)
        .join(User, col(User.id) == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(plain))
    )
    token, user = db.exec(query).first() or (None, None)
    if token is None or token.revoked_at is not None or not user.is_active:
        return None
    if user.role not in TOKEN_ROLES:
        # A token made before the account became a patient's stops working with the role.
        return None
    now = utcnow()
    # Writing on every request would serialise API calls; a minute's precision is plenty.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        db.add(token)
    return user


def profile_for(*, viewer: User, user: User) -> UserSelf | StaffProfile | PatientPseudonym:
    """What viewer may learn about user, or NotFound (ids reveal nothing to those who may not).

    Everyone sees themselves; staff see staff colleagues; verified clinicians see patients by
    pseudonym only; patients see no other account here (they meet others by pseudonym in content).
    Administrators use the administration view instead.
    """
    if user.id == viewer.id:
        return UserSelf.model_validate(user, from_attributes=True)
    if viewer.role in STAFF_ROLES and user.role in STAFF_ROLES:
        return StaffProfile.model_validate(user, from_attributes=True)
    if viewer.is_verified_clinician and user.role == Role.patient:
        return PatientPseudonym.model_validate(user, from_attributes=True)
    raise NotFound("no such user")
