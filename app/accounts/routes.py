"""Log-in, registration, the user's own account, user administration, and their API."""

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field, ValidationError

from app.accounts import passwords, sessions, two_factor
from app.accounts import service as accounts
from app.accounts.models import (
    TOKEN_ROLES,
    PatientPseudonym,
    PatientRegister,
    Role,
    StaffProfile,
    User,
    UserCreate,
    UserSelf,
)
from app.audit import service as audit
from app.clock import utcnow
from app.deps import (
    AdminUser,
    CurrentUser,
    OptionalUser,
    PathId,
    SessionDep,
    TokenHolder,
    client_ip,
)
from app.errors import DomainError, TooManyRequests
from app.groups import service as groups
from app.i18n import LOCALES, N_
from app.posts import approvals
from app.review import service as review
from app.security import new_csrf_token
from web.flash import flash
from web.forms import safe_next, validation_message
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["accounts"])
FormStr = Annotated[str, Form()]
# Ids beyond the database's integer column are answered 422 instead of reaching the database.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def start_session(request: Request, db, user: User, second_factor: bool = False) -> None:
    """Sign user in on this browser: a new session id (never the one sent before the log-in)."""
    plain = sessions.start(
        db=db,
        user=user,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        second_factor=second_factor,
    )
    lang = request.session.get("lang")
    request.session.clear()
    request.session.update(sid=plain, csrf=new_csrf_token())
    if lang:
        request.session["lang"] = lang
    request.state.user = user


def await_second_factor(request: Request, user: User, next: str) -> None:
    """The password was right: remember who is signing in until the code step (no session yet)."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session.update(
        pending_user=user.id, pending_at=int(utcnow().timestamp()), pending_next=next
    )
    request.session["csrf"] = new_csrf_token()
    if lang:
        request.session["lang"] = lang


def _current_session_id(request: Request) -> int | None:
    row = getattr(request.state, "session_row", None)
    return row.id if row else None


@pages.get("/", name="home")
def home(request: Request, db: SessionDep, user: CurrentUser):
    is_admin = user.role == Role.admin
    context = {
        "counts": accounts.count_by_role(db=db) if is_admin else None,
        "pending": [
            u for u in accounts.list_users(db=db, role=Role.clinician) if not u.clinician_verified
        ]
        if is_admin
        else [],
        "groups": groups.memberships_of(db=db, user=user),
        "events": audit.list_events(db=db, limit=8, actor=None if is_admin else user.username),
        "approvals": approvals.waiting_for(db, user),
        "queue_count": review.counts(db, user) if review.may_review(db, user) else None,
    }
    return render(request, "home.html", context)


@pages.get("/login", name="login")
def login_form(request: Request, user: OptionalUser, next: str = ""):
    if user:
        return _see_other(safe_next(next))
    return render(request, "accounts/login.html", {"next": next})


@pages.post("/login", name="login_submit")
def login_submit(
    request: Request,
    db: SessionDep,
    username: FormStr = "",
    password: FormStr = "",
    next: FormStr = "",
):
    context = {"next": next, "username": username}
    if not username.strip() or not password:
        return render(
            request,
            "accounts/login.html",
            {**context, "error": N_("Enter your username and password.")},
            422,
        )
    try:
        user = accounts.authenticate(
            db=db, username=username, password=password, ip=client_ip(request)
        )
    except TooManyRequests as error:
        minutes = -(-error.retry_after // 60)
        response = render(
            request,
            "accounts/login.html",
            {**context, "error": error.message, "retry_minutes": minutes},
            429,
        )
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    if user is None:
        return render(
            request,
            "accounts/login.html",
            {**context, "error": N_("Wrong username or password.")},
            401,
        )
    if two_factor.is_enabled(db=db, user=user):
        await_second_factor(request, user, next)
        return _see_other("/login/code")
    start_session(request, db, user)
    return _see_other(safe_next(next))


@pages.post("/logout", name="logout")
def logout(request: Request, db: SessionDep, user: OptionalUser):
    if user:
        accounts.logout(
            db=db, user=user, session_id=request.session.get("sid"), ip=client_ip(request)
        )
    request.session.clear()
    return _see_other("/login")


@pages.post("/language", name="set_language")
def set_language(
    request: Request, db: SessionDep, user: OptionalUser, lang: FormStr = "", next: FormStr = ""
):
    if lang in LOCALES:
        request.session["lang"] = lang
        if user is not None and user.locale and user.locale != lang:
            # A language saved in the account outranks the browser's: the switch changes it too.
            accounts.set_locale(db=db, user=user, locale=lang)
    return _see_other(safe_next(next))


@pages.get("/register", name="register")
def register_form(request: Request):
    return render(request, "accounts/register.html", {"form": {}})


@pages.post("/register", name="register_submit")
def register_submit(
    request: Request,
    db: SessionDep,
    username: FormStr = "",
    display_name: FormStr = "",
    real_name: FormStr = "",
    email: FormStr = "",
    password: FormStr = "",
):
    form = {
        "username": username,
        "display_name": display_name,
        "real_name": real_name,
        "email": email,
    }
    try:
        data = PatientRegister(password=password, **{k: v or None for k, v in form.items()})
        user = accounts.register_patient(db=db, data=data, ip=client_ip(request))
    except ValidationError as error:
        return render(
            request,
            "accounts/register.html",
            {"form": form, "error": validation_message(error)},
            422,
        )
    except DomainError as error:
        return render(
            request,
            "accounts/register.html",
            {"form": form, "error": error.message},
            error.status_code,
        )
    start_session(request, db, user)
    return _see_other("/")


def _account_page(request: Request, db, user: User, status: int = 200, **extra):
    context = {
        "may_hold_tokens": user.role in TOKEN_ROLES,
        "tokens": accounts.list_tokens(db=db, user=user) if user.role in TOKEN_ROLES else [],
        "sessions": sessions.list_live(db=db, user=user),
        "current_session_id": _current_session_id(request),
        "two_factor_on": two_factor.is_enabled(db=db, user=user),
        **extra,
    }
    return render(request, "accounts/account.html", context, status)


@pages.get("/account", name="account")
def account(request: Request, db: SessionDep, user: CurrentUser):
    return _account_page(request, db, user)


@pages.post("/account", name="account_submit")
def account_submit(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    display_name: FormStr = "",
    locale: FormStr = "",
    email: Annotated[str | None, Form(max_length=254)] = None,
    digest_email: Annotated[bool, Form()] = False,
):
    try:
        accounts.update_preferences(
            db=db,
            user=user,
            display_name=display_name,
            locale=locale,
            email=email,
            digest_email=digest_email if email is not None else None,
        )
    except DomainError as error:
        return _account_page(request, db, user, error.status_code, error=error.message)
    flash(request, "Saved.")
    return _see_other("/account")


@pages.post("/account/tokens", name="account_token_create")
def account_token_create(request: Request, db: SessionDep, user: TokenHolder, name: FormStr = ""):
    try:
        _token, plain = accounts.create_token(db=db, user=user, name=name)
    except DomainError as error:
        return _account_page(request, db, user, error.status_code, error=error.message)
    return _account_page(request, db, user, new_token=plain)


@pages.post("/account/password", name="account_password")
def account_password(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    current_password: FormStr = "",
    new_password: FormStr = "",
    confirm_password: FormStr = "",
):
    if not current_password or not new_password:
        return _account_page(
            request, db, user, 422, password_error=N_("enter your current password and a new one")
        )
    if new_password != confirm_password:
        return _account_page(
            request, db, user, 422, password_error=N_("the two new passwords differ")
        )
    try:
        ended = passwords.change(
            db=db,
            user=user,
            current=current_password,
            new=new_password,
            ip=client_ip(request),
            keep_session_id=_current_session_id(request),
        )
    except TooManyRequests as error:
        response = _account_page(request, db, user, 429, password_error=error.message)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    except DomainError as error:
        return _account_page(request, db, user, error.status_code, password_error=error.message)
    return _account_page(request, db, user, password_changed=True, sessions_ended=ended)


@pages.post("/account/sessions/others/end", name="account_sessions_end_others")
def account_sessions_end_others(request: Request, db: SessionDep, user: CurrentUser):
    ended = sessions.end_all(db=db, user_id=user.id, keep_id=_current_session_id(request))
    audit.record(
        db,
        actor=user,
        action="sessions.end_others",
        object_type="user",
        object_id=user.id,
        sessions_ended=ended,
    )
    return _see_other("/account#sessions")


@pages.post("/account/sessions/{session_id}/end", name="account_session_end")
def account_session_end(db: SessionDep, user: CurrentUser, session_id: RowId):
    sessions.end_one(db=db, user=user, session_id=session_id)
    return _see_other("/account#sessions")


@pages.post("/account/tokens/{token_id}/revoke", name="account_token_revoke")
def account_token_revoke(db: SessionDep, user: CurrentUser, token_id: PathId):
    accounts.revoke_token(db=db, user=user, token_id=token_id)
    return _see_other("/account#tokens")


def _users_page(request: Request, db, status: int = 200, **extra):
    users = accounts.list_users(db=db)
    context = {
        "users": users,
        "two_factor_on": two_factor.enabled_user_ids(db=db),
        "roles": list(Role),
        "form": {},
        # Patients whose pseudonym gives away their full name: candidates for a rename.
        "real_names_shown": {
            u.id
            for u in users
            if u.role == Role.patient and accounts.shows_real_name(u.display_name, u.real_name)
        },
        **extra,
    }
    return render(request, "accounts/users.html", context, status)


@pages.get("/admin/users", name="admin_users")
def admin_users(request: Request, db: SessionDep, _admin: AdminUser):
    return _users_page(request, db)


@pages.post("/admin/users", name="admin_user_create")
def admin_user_create(
    request: Request,
    db: SessionDep,
    admin: AdminUser,
    username: FormStr = "",
    display_name: FormStr = "",
    role: FormStr = "",
    licence_number: FormStr = "",
    specialty: FormStr = "",
    password: FormStr = "",
):
    form = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "licence_number": licence_number,
        "specialty": specialty,
    }
    try:
        data = UserCreate(password=password, **{k: v or None for k, v in form.items()})
        accounts.create_user(db=db, data=data, actor=admin)
    except ValidationError as error:
        return _users_page(request, db, 422, form=form, error=validation_message(error))
    except DomainError as error:
        return _users_page(request, db, error.status_code, form=form, error=error.message)
    flash(request, "Account {username} created.", username=data.username)
    return _see_other("/admin/users")


@pages.post("/admin/users/{user_id}/verify", name="admin_user_verify")
def admin_user_verify(
    request: Request,
    db: SessionDep,
    admin: AdminUser,
    user_id: PathId,
    licence_number: FormStr = "",
):
    accounts.verify_clinician(db=db, user_id=user_id, actor=admin, licence_number=licence_number)
    flash(request, "Clinician verified.")
    return _see_other(f"/admin/users#user-{user_id}")


@pages.post("/admin/users/{user_id}/role", name="admin_user_role")
def admin_user_role(
    db: SessionDep, admin: AdminUser, user_id: PathId, role: Annotated[Role, Form()]
):
    accounts.set_role(db=db, user_id=user_id, role=role, actor=admin)
    return _see_other(f"/admin/users#user-{user_id}")


@pages.post("/admin/users/{user_id}/rename", name="admin_user_rename")
def admin_user_rename(
    db: SessionDep,
    admin: AdminUser,
    user_id: PathId,
    display_name: FormStr = "",
    reason: FormStr = "",
):
    accounts.rename(db=db, user_id=user_id, display_name=display_name, reason=reason, actor=admin)
    return _see_other(f"/admin/users#user-{user_id}")


@pages.post("/admin/users/{user_id}/password", name="admin_user_password")
def admin_user_password(
    request: Request, db: SessionDep, admin: AdminUser, user_id: RowId, password: FormStr = ""
):
    target = accounts.get(db=db, user_id=user_id)
    try:
        new = passwords.reset(db=db, user=target, actor=admin, new=password or None)
    except DomainError as error:
        return _users_page(request, db, error.status_code, error=error.message)
    # A password the administrator typed is not echoed back; a generated one is shown once.
    shown = None if password else new
    return _users_page(request, db, reset_user=target, reset_password=shown)


@pages.post("/admin/users/{user_id}/active", name="admin_user_active")
def admin_user_active(
    db: SessionDep, admin: AdminUser, user_id: PathId, active: Annotated[bool, Form()]
):
    accounts.set_active(db=db, user_id=user_id, active=active, actor=admin)
    return _see_other(f"/admin/users#user-{user_id}")


class UserAdminView(UserSelf):
    is_active: bool
    licence_number: str | None = None


class UserCreateRequest(UserCreate):
    verified: bool = False


class VerifyRequest(BaseModel):
    licence_number: str | None = Field(default=None, max_length=40)


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=60)


class TokenCreated(BaseModel):
    id: int
    name: str
    token: str


@api.get("/me", response_model=UserSelf)
def api_me(user: CurrentUser):
    return user


@api.get("/users", response_model=list[UserAdminView])
def api_users(db: SessionDep, _admin: AdminUser, role: Role | None = None):
    return accounts.list_users(db=db, role=role)


@api.post("/users", response_model=UserAdminView, status_code=201)
def api_user_create(db: SessionDep, admin: AdminUser, body: UserCreateRequest):
    data = UserCreate(**body.model_dump(exclude={"verified"}))
    return accounts.create_user(db=db, data=data, actor=admin, verified=body.verified)


@api.get(
    "/users/{user_id}",
    response_model=UserAdminView | UserSelf | StaffProfile | PatientPseudonym,
    responses={404: {"description": "no such user, or not one the caller may see"}},
)
def api_user(db: SessionDep, viewer: CurrentUser, user_id: PathId):
    """Administrators see every account; others see themselves, staff their colleagues, verified
    clinicians patients by pseudonym; anything else is a 404."""
    target = accounts.get(db=db, user_id=user_id)
    if viewer.role == Role.admin:
        return UserAdminView.model_validate(target, from_attributes=True)
    return accounts.profile_for(viewer=viewer, user=target)


@api.post("/users/{user_id}/verify", response_model=UserAdminView)
def api_user_verify(db: SessionDep, admin: AdminUser, user_id: PathId, body: VerifyRequest):
    return accounts.verify_clinician(
        db=db, user_id=user_id, actor=admin, licence_number=body.licence_number
    )


class RenameRequest(BaseModel):
    display_name: str = Field(min_length=2, max_length=60)
    reason: str = Field(min_length=1, max_length=audit.MAX_VALUE_LENGTH)


@api.post("/users/{user_id}/rename", response_model=UserAdminView)
def api_user_rename(db: SessionDep, admin: AdminUser, user_id: PathId, body: RenameRequest):
    return accounts.rename(db=db, user_id=user_id, actor=admin, **body.model_dump())


@api.post("/tokens", response_model=TokenCreated, status_code=201)
def api_token_create(db: SessionDep, user: TokenHolder, body: TokenRequest):
    token, plain = accounts.create_token(db=db, user=user, name=body.name)
    return TokenCreated(id=token.id, name=token.name, token=plain)
