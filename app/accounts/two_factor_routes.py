"""Two-factor sign-in pages: the code step of the log-in, enrolment, recovery codes, reset."""

from datetime import timedelta
from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from app.accounts import service as accounts
from app.accounts import sessions, two_factor
from app.accounts.models import User
from app.accounts.routes import start_session
from app.clock import utcnow
from app.deps import AdminUser, CurrentUser, PathId, SessionDep, SigningInUser, client_ip
from app.errors import DomainError, TooManyRequests
from app.i18n import N_
from web.flash import flash
from web.forms import safe_next
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["accounts"])
FormStr = Annotated[str, Form()]
# How long the code step waits after the password was accepted.
CODE_STEP = timedelta(minutes=5)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _pending_user(request: Request, db) -> User | None:
    """Who passed the password step on this browser within CODE_STEP, if anyone."""
    user_id, at = request.session.get("pending_user"), request.session.get("pending_at")
    if not isinstance(user_id, int) or not isinstance(at, int):
        return None
    if utcnow().timestamp() - at > CODE_STEP.total_seconds():
        return None
    user = db.get(User, user_id)
    return user if user is not None and user.is_active else None


def _code_page(request: Request, status: int = 200, **extra):
    return render(request, "accounts/login_code.html", extra, status)


@pages.get("/login/code", name="login_code")
def login_code(request: Request, db: SessionDep):
    if _pending_user(request, db) is None:
        return _see_other("/login")
    return _code_page(request)


@pages.post("/login/code", name="login_code_submit")
def login_code_submit(request: Request, db: SessionDep, code: FormStr = ""):
    user = _pending_user(request, db)
    if user is None:
        flash(request, "The log-in took too long; enter your password again.", kind="error")
        return _see_other("/login")
    if not code.strip():
        return _code_page(request, 422, error=N_("Enter the code from your authenticator app."))
    try:
        ok = two_factor.check_code(db=db, user=user, code=code, ip=client_ip(request))
    except TooManyRequests as error:
        response = _code_page(request, 429, error=error.message)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    if not ok:
        return _code_page(request, 401, error=two_factor.WRONG_CODE)
    next_page = request.session.get("pending_next") or ""
    start_session(request, db, user, second_factor=True)
    return _see_other(safe_next(next_page))


def _qr_svg(uri: str) -> Markup:
    """The QR code of an otpauth address as inline SVG, drawn here (no image service sees it)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#111", light="#fff")
    return Markup(svg)  # noqa: S704 - segno's own SVG markup, no user input inside unescaped


def _two_factor_page(request: Request, db, user: User, status: int = 200, **extra):
    enabled = two_factor.is_enabled(db=db, user=user)
    context = {
        "enabled": enabled,
        "required": two_factor.required_for(user),
        "must_enrol": getattr(request.state, "must_enrol", False),
        **extra,
    }
    if enabled:
        context["codes_left"] = two_factor.unused_recovery_codes(db=db, user=user)
    else:
        secret = two_factor.pending_secret(db=db, user=user)
        context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        context["qr"] = _qr_svg(two_factor.provisioning_uri(user=user, secret=secret))
    return render(request, "accounts/two_factor.html", context, status)


@pages.get("/account/two-factor", name="two_factor")
def two_factor_page(request: Request, db: SessionDep, user: SigningInUser):
    return _two_factor_page(request, db, user)


@pages.post("/account/two-factor", name="two_factor_enable")
def two_factor_enable(request: Request, db: SessionDep, user: SigningInUser, code: FormStr = ""):
    try:
        codes = two_factor.confirm(db=db, user=user, code=code, ip=client_ip(request))
    except DomainError as error:
        return _two_factor_page(request, db, user, error.status_code, error=error.message)
    row = getattr(request.state, "session_row", None)
    if row is not None:
        sessions.mark_second_factor(db=db, session=row)
        # Browsers signed in with the password alone must now sign in with the code too.
        sessions.end_all(db=db, user_id=user.id, keep_id=row.id)
    request.state.must_enrol = False
    return _two_factor_page(request, db, user, recovery_codes=codes, just_enabled=True)


@pages.post("/account/two-factor/recovery-codes", name="two_factor_recovery_codes")
def two_factor_recovery_codes(
    request: Request, db: SessionDep, user: CurrentUser, code: FormStr = ""
):
    try:
        codes = two_factor.renew_recovery_codes(db=db, user=user, code=code, ip=client_ip(request))
    except DomainError as error:
        return _two_factor_page(request, db, user, error.status_code, error=error.message)
    return _two_factor_page(request, db, user, recovery_codes=codes)


@pages.post("/account/two-factor/off", name="two_factor_disable")
def two_factor_disable(
    request: Request, db: SessionDep, user: CurrentUser, password: FormStr = "", code: FormStr = ""
):
    try:
        two_factor.turn_off(db=db, user=user, password=password, code=code, ip=client_ip(request))
    except DomainError as error:
        return _two_factor_page(request, db, user, error.status_code, error=error.message)
    flash(request, "Two-factor sign-in is off.")
    return _see_other("/account")


@pages.post("/admin/users/{user_id}/two-factor/reset", name="admin_user_two_factor_reset")
def admin_user_two_factor_reset(
    request: Request, db: SessionDep, admin: AdminUser, user_id: PathId
):
    target = accounts.get(db=db, user_id=user_id)
    two_factor.reset(db=db, user=target, actor=admin)
    flash(request, "Two-factor sign-in of {username} was reset.", username=target.username)
    return _see_other(f"/admin/users#user-{user_id}")
