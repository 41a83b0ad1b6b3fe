"""Request dependencies as types: the database session, the current user and role guards."""

import ipaddress
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlmodel import Session

from app.accounts import service as accounts
from app.accounts import sessions, two_factor
from app.accounts.models import TOKEN_ROLES, Role, User
from app.database import get_db
from app.errors import LoginRequired, NotFound, PermissionDenied, TwoFactorSetupRequired
from app.security import new_csrf_token, same_secret
from app.settings import get_settings

SessionDep = Annotated[Session, Depends(get_db, scope="function")]
# Row ids are 32-bit on PostgreSQL (and never larger on SQLite): an id outside 1..MAX_ID names no
# row, and the error handler answers a path that fails this check with a 404.
MAX_ID = 2**31 - 1
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request: Request) -> str:
    """The client's address: X-Forwarded-For is read only when the peer is a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    proxies = get_settings().trusted_proxy_networks
    if not proxies:
        return peer

    def trusted(text: str) -> bool:
        address = _address(text)
        return address is not None and any(address in network for network in proxies)

    if not trusted(peer):
        return peer
    # Walk from the nearest hop: the first address no trusted proxy vouches for is the client.
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not trusted(hop):
            return hop if _address(hop) else peer
    return hops[0] if hops else peer


def get_optional_user(request: Request, db: SessionDep) -> User | None:
    """The user behind the bearer token or the session cookie, if any."""
    user = None
    token = bearer_token(request)
    if token:
        user = accounts.user_for_token(db=db, plain=token)
        if user is None:
            raise LoginRequired()
    elif (session_id := request.session.get("sid")) is not None:
        found = sessions.resolve(db=db, plain=str(session_id))
        if found:
            request.state.session_row, user = found
            request.state.must_enrol = not found[0].second_factor and two_factor.required_for(user)
        else:
            request.session.pop("sid", None)
    request.state.user = user
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def get_signing_in_user(user: OptionalUser) -> User:
    """The user, even one whose session still has to set up its second factor."""
    if user is None:
        raise LoginRequired()
    return user


SigningInUser = Annotated[User, Depends(get_signing_in_user)]


def get_current_user(request: Request, user: SigningInUser) -> User:
    if getattr(request.state, "must_enrol", False):
        raise TwoFactorSetupRequired()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: Role, verified_clinician: bool = False):
    """A dependency that lets only the given roles through (403 for the others)."""

    def guard(user: CurrentUser) -> User:
        if user.role not in roles:
            raise PermissionDenied("your role does not allow this")
        if verified_clinician and user.role == Role.clinician and not user.clinician_verified:
            raise PermissionDenied("an administrator must verify your licence first")
        return user

    return guard


AdminUser = Annotated[User, Depends(require_roles(Role.admin))]
StaffUser = Annotated[User, Depends(require_roles(Role.admin, Role.marketing, Role.clinician))]
MarketingUser = Annotated[User, Depends(require_roles(Role.admin, Role.marketing))]
ClinicianUser = Annotated[User, Depends(require_roles(Role.clinician, verified_clinician=True))]
PatientUser = Annotated[User, Depends(require_roles(Role.patient))]
# Who may create API tokens: staff, whose work needs scripts.
TokenHolder = Annotated[User, Depends(require_roles(*TOKEN_ROLES))]
# Who may read the publishing queue: the staff who compose it and the clinicians who sign it off.
PostViewer = Annotated[
    User,
    Depends(require_roles(Role.admin, Role.marketing, Role.clinician, verified_clinician=True)),
]


def require_network(user: CurrentUser) -> User:
    """The clinician network exists only for verified clinicians: others get a 404, not a hint."""
    if not user.is_verified_clinician:
        raise NotFound("not found")
    return user


NetworkUser = Annotated[User, Depends(require_network)]


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = new_csrf_token()
    return token


async def csrf_protect(request: Request) -> None:
    """Every unsafe request made with the session cookie must echo the session's CSRF token."""
    if request.method not in UNSAFE_METHODS or bearer_token(request):
        return
    if request.url.path.startswith("/webhooks/"):
        return  # providers sign their requests instead (checked by each webhook); no session is used
    if request.url.path.startswith("/u/"):
        return  # RFC 8058 one-click unsubscribe: mail providers post without a cookie; the token is the proof
    given = request.headers.get("x-csrf-token")
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        given = (await request.form()).get("csrf_token")
    if not same_secret(str(given) if given else None, request.session.get("csrf")):
        raise PermissionDenied(
            "the form expired or did not come from carepost; reload and try again"
        )
