"""Every route with every role, anonymous included: the designed status code, nothing else.

A new route fails test_every_route_is_in_the_matrix until its row is added here.
"""

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route

from app.accounts import service as accounts
from app.accounts.models import Role
from app.channels import service as channels
from app.channels.models import ChannelKind
from app.database import get_engine, session_scope
from app.posts import service as posts
from app.posts.models import PostCreate
from tests.conftest import csrf_of, login

ROLES = ("anon", "admin", "marketing", "clinician", "unverified", "patient")


def row(*codes: int) -> dict[str, int]:
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


def same(code: int, anon: int) -> dict[str, int]:
    return row(anon, code, code, code, code, code)


def admin_only(code: int, anon: int = 303) -> dict[str, int]:
    return row(anon, code, 403, 403, 403, 403)


def staff(code: int, anon: int = 303) -> dict[str, int]:
    """Admins, marketing and clinicians (verified or not)."""
    return row(anon, code, code, code, code, 403)


def viewers(code: int, anon: int = 303) -> dict[str, int]:
    """Who reads the publishing queue: admins, marketing, verified clinicians."""
    return row(anon, code, code, code, 403, 403)


def marketing(code: int, anon: int = 303) -> dict[str, int]:
    return row(anon, code, code, 403, 403, 403)


def clinician_only(code: int, anon: int = 303) -> dict[str, int]:
    return row(anon, 403, 403, code, 403, 403)


# (method, path) -> expected status per role; bodies are in BODIES.
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/"): same(200, anon=303),
    ("GET", "/login"): same(303, anon=200),
    ("POST", "/login"): same(422, anon=422),
    ("POST", "/logout"): same(303, anon=303),
    ("POST", "/language"): same(303, anon=303),
    ("GET", "/register"): same(200, anon=200),
    ("POST", "/register"): same(422, anon=422),
    ("GET", "/account"): same(200, anon=303),
    ("POST", "/account"): same(422, anon=303),
    ("POST", "/account/tokens"): same(422, anon=303),
    ("POST", "/account/tokens/{token_id}/revoke"): row(303, 303, 404, 404, 404, 404),
    ("GET", "/admin/users"): admin_only(200),
    ("POST", "/admin/users"): admin_only(422),
    ("POST", "/admin/users/{user_id}/verify"): admin_only(303),
    ("POST", "/admin/users/{user_id}/role"): admin_only(303),
    ("POST", "/admin/users/{user_id}/active"): admin_only(303),
    ("GET", "/admin/audit"): admin_only(200),
    ("GET", "/api/me"): same(200, anon=401),
    ("GET", "/api/users"): admin_only(200, anon=401),
    ("POST", "/api/users"): admin_only(422, anon=401),
    ("GET", "/api/users/{user_id}"): same(200, anon=401),
    ("POST", "/api/users/{user_id}/verify"): admin_only(200, anon=401),
    ("POST", "/api/tokens"): same(422, anon=401),
    ("GET", "/api/audit"): admin_only(200, anon=401),
    ("GET", "/channels"): admin_only(200),
    ("POST", "/channels"): admin_only(422),
    ("POST", "/channels/{channel_id}/test"): admin_only(200),
    ("POST", "/channels/x/connect"): admin_only(422),
    ("GET", "/channels/x/callback"): admin_only(400),
    ("POST", "/channels/{channel_id}/reconnect"): admin_only(303),
    ("POST", "/channels/{channel_id}/status"): admin_only(303),
    ("GET", "/outbox"): staff(200),
    ("GET", "/outbox/{message_id}"): staff(200),
    ("GET", "/api/channels"): staff(200, anon=401),
    ("GET", "/posts"): viewers(200),
    ("GET", "/posts/new"): marketing(200),
    ("POST", "/posts/preview"): marketing(200),
    ("POST", "/posts"): marketing(422),
    ("GET", "/posts/{post_id}"): viewers(200),
    ("GET", "/posts/{post_id}/edit"): marketing(200),
    ("POST", "/posts/{post_id}/edit"): marketing(422),
    ("POST", "/posts/{post_id}/submit"): marketing(303),
    ("POST", "/posts/{post_id}/review"): clinician_only(422),
    ("POST", "/posts/{post_id}/schedule"): marketing(422),
    ("POST", "/posts/{post_id}/publish-now"): marketing(303),
    ("POST", "/posts/{post_id}/pause"): marketing(409),
    ("POST", "/posts/{post_id}/resume"): marketing(409),
    ("POST", "/posts/{post_id}/cancel"): marketing(303),
    ("POST", "/posts/{post_id}/deliveries/{delivery_id}/resolve"): marketing(422),
    ("GET", "/calendar"): viewers(200),
    ("GET", "/posts-import"): marketing(200),
    ("POST", "/posts-import"): marketing(422),
    ("GET", "/posts-export.csv"): viewers(200),
    ("POST", "/api/posts"): marketing(422, anon=401),
    ("GET", "/api/posts"): viewers(200, anon=401),
    ("GET", "/api/posts/{post_id}"): viewers(200, anon=401),
    ("POST", "/api/posts/{post_id}/review"): clinician_only(422, anon=401),
    ("POST", "/api/posts/{post_id}/cancel"): marketing(200, anon=401),
    ("GET", "/notifications"): same(200, anon=303),
    ("GET", "/notifications/bell"): same(200, anon=303),
    ("POST", "/notifications/read"): same(303, anon=303),
    ("GET", "/api/notifications"): same(200, anon=401),
    ("GET", "/healthz"): same(200, anon=200),
    ("GET", "/openapi.json"): same(200, anon=200),
    ("GET", "/docs"): same(200, anon=200),
    ("GET", "/docs/oauth2-redirect"): same(200, anon=200),
    ("GET", "/redoc"): same(200, anon=200),
}

FORM_BODIES = {
    "/channels/{channel_id}/status": {"status": "active"},
    "/admin/users/{user_id}/role": {"role": "patient"},
    "/admin/users/{user_id}/active": {"active": "false"},
    "/admin/users/{user_id}/verify": {"licence_number": "28/55"},
}


def app_routes(routes, prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every endpoint, walking included routers."""
    found = set()
    for route in routes:
        if isinstance(route, APIRoute | Route):
            found |= {(method, prefix + route.path) for method in route.methods - {"HEAD"}}
        elif hasattr(route, "original_router"):
            found |= app_routes(route.original_router.routes, prefix + route.include_context.prefix)
    return found


def test_every_route_is_in_the_matrix(app):
    assert app_routes(app.routes) == set(MATRIX)


@pytest.fixture
def clients(app, make_user):
    from fastapi.testclient import TestClient

    made = {}
    for name, role, verified in [
        ("admin", Role.admin, False),
        ("marketing", Role.marketing, False),
        ("clinician", Role.clinician, True),
        ("unverified", Role.clinician, False),
        ("patient", Role.patient, False),
    ]:
        user = make_user(role, verified=verified, username=f"m-{name}")
        client = TestClient(app, follow_redirects=False)
        made[name] = (client, login(client, user.username), user)
    anon = TestClient(app, follow_redirects=False)
    made["anon"] = (anon, csrf_of(anon), None)
    yield made
    for client, _token, _user in made.values():
        client.close()


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_route_answers_each_role_as_designed(clients, make_user, method, path):
    with session_scope() as db:
        admin = accounts.get_by_username(db=db, username="m-admin")
        token, _plain = accounts.create_token(db=db, user=admin, name="matrix")
        token_id = token.id
        outbox = channels.create(
            db=db, kind=ChannelKind.outbox, name="Outbox", credentials={}, actor=admin
        )
    message_id = channels.DatabaseOutbox(get_engine()).add(outbox.id, "hola", None, 0)
    got = {}
    for role in ROLES:
        client, csrf, _user = clients[role]
        target = make_user(Role.clinician, licence_number="28/77")
        with session_scope() as db:
            post = posts.create(
                db=db, author=admin, data=PostCreate(text="Horario", channels=[outbox.id])
            )
            post_id = post.id
        url = path.format(
            user_id=target.id,
            token_id=token_id,
            channel_id=outbox.id,
            message_id=message_id,
            post_id=post_id,
            delivery_id=1,
        )
        if method == "GET":
            response = client.get(url)
        elif url.startswith("/api/"):
            response = client.post(url, json={}, headers={"X-CSRF-Token": csrf})
        else:
            response = client.post(url, data={"csrf_token": csrf, **FORM_BODIES.get(path, {})})
        got[role] = response.status_code
        if path == "/logout" and role != "anon":
            clients[role] = (client, login(client, _user.username), _user)
    assert got == MATRIX[(method, path)]
