"""Two-factor sign-in: enrolment, the code step of the log-in, recovery codes, who must use it."""

import re
from datetime import UTC, datetime

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app import settings
from app.accounts.models import RecoveryCode, Role, TwoFactor
from app.database import session_scope
from tests.conftest import PASSWORD, csrf_of, csrf_of_page

NOW = datetime(2026, 11, 23, 23, 30, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """Codes are checked against a fixed instant, so a test never straddles a 30 s step."""
    from app.accounts import two_factor

    monkeypatch.setattr(two_factor, "utcnow", lambda: NOW)


def code(secret: str, step: int = 0) -> str:
    """The authenticator's code at NOW, or step periods later (clocks drift by one)."""
    return pyotp.TOTP(secret).at(NOW, counter_offset=step)


@pytest.fixture
def required(monkeypatch):
    """Production's rule: administrators and clinicians must sign in with two factors."""
    monkeypatch.setenv("CAREPOST_TWO_FACTOR_ROLES", "admin,clinician")
    settings.get_settings.cache_clear()


def password_step(client: TestClient, username: str, password: str = PASSWORD):
    token = csrf_of(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def page_csrf(client: TestClient, path: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text).group(1)


def enrol(client: TestClient) -> tuple[str, list[str]]:
    """Enrol the signed-in client through the page; returns the secret and the recovery codes."""
    page = client.get("/account/two-factor").text
    secret = re.search(r'data-testid="totp-secret">([^<]+)<', page).group(1).replace(" ", "")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/account/two-factor", data={"code": code(secret), "csrf_token": token})
    assert response.status_code == 200 and "Two-factor sign-in is on." in response.text
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", response.text)
    return secret, codes


def code_step(client: TestClient, typed: str):
    token = page_csrf(client, "/login/code")
    return client.post("/login/code", data={"code": typed, "csrf_token": token})


def test_a_required_role_is_sent_to_enrol_before_anything_else(app, make_user, required):
    user = make_user(Role.clinician, verified=True)
    with TestClient(app, follow_redirects=False) as client:
        assert password_step(client, user.username).status_code == 303
        for path in ("/", "/posts", "/review"):
            response = client.get(path)
            assert response.status_code == 303
            assert response.headers["location"] == "/account/two-factor"
        assert client.get("/api/me").status_code == 403
        page = client.get("/account/two-factor")
        assert page.status_code == 200 and "<svg" in page.text and 'id="nav"' not in page.text
        enrol(client)
        assert client.get("/").status_code == 200


def test_a_patient_is_offered_two_factor_but_not_made_to(app, make_user, required):
    user = make_user(Role.patient)
    with TestClient(app, follow_redirects=False) as client:
        password_step(client, user.username)
        assert client.get("/").status_code == 200
        assert "Set up two-factor sign-in" in client.get("/account").text


def test_with_two_factor_the_password_alone_opens_nothing(app, make_user):
    user = make_user(Role.clinician, verified=True)
    with TestClient(app, follow_redirects=False) as first:
        password_step(first, user.username)
        secret, _codes = enrol(first)
    with TestClient(app, follow_redirects=False) as client:
        response = password_step(client, user.username)
        assert response.headers["location"] == "/login/code"
        assert client.get("/").headers["location"].startswith("/login")
        assert client.get("/api/me").status_code == 401
        assert code_step(client, "000000").status_code == 401
        assert code_step(client, code(secret, step=1)).status_code == 303
        assert client.get("/").status_code == 200


def test_a_code_is_accepted_once(app, make_user):
    user = make_user(Role.marketing)
    with TestClient(app, follow_redirects=False) as first:
        password_step(first, user.username)
        secret, _codes = enrol(first)
    with TestClient(app, follow_redirects=False) as client:
        password_step(client, user.username)
        # The code that confirmed the enrolment was spent there.
        assert code_step(client, code(secret)).status_code == 401
        assert code_step(client, code(secret, step=1)).status_code == 303


def test_each_recovery_code_works_once_and_is_stored_hashed(app, make_user):
    user = make_user(Role.admin)
    with TestClient(app, follow_redirects=False) as first:
        password_step(first, user.username)
        _secret, codes = enrol(first)
    assert len(codes) == 10
    with session_scope() as db:
        rows = db.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id))
        stored = {r.code_hash for r in rows}
        sealed = db.get(TwoFactor, user.id).secret_sealed
    assert not stored & {c.replace("-", "") for c in codes} and _secret not in sealed
    with TestClient(app, follow_redirects=False) as client:
        password_step(client, user.username)
        assert code_step(client, codes[0].upper()).status_code == 303
    with TestClient(app, follow_redirects=False) as client:
        password_step(client, user.username)
        assert code_step(client, codes[0]).status_code == 401


def test_wrong_codes_are_throttled_and_a_new_password_does_not_reset_it(app, make_user):
    user = make_user(Role.patient)
    with TestClient(app, follow_redirects=False) as first:
        password_step(first, user.username)
        enrol(first)
    statuses = []
    with TestClient(app, follow_redirects=False) as client:
        for _ in range(7):
            password_step(client, user.username)
            statuses.append(code_step(client, "123456").status_code)
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429


def test_api_tokens_are_not_asked_for_a_code(app, make_user, required):
    from app.accounts import service as accounts

    user = make_user(Role.clinician, verified=True)
    with session_scope() as db:
        _token, plain = accounts.create_token(
            db=db, user=db.get(type(user), user.id), name="script"
        )
    with TestClient(app) as client:
        assert (
            client.get("/api/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
        )


def test_a_required_role_cannot_turn_it_off_but_an_admin_can_reset_it(app, make_user, required):
    user = make_user(Role.clinician, verified=True)
    with TestClient(app, follow_redirects=False) as client:
        password_step(client, user.username)
        secret, _codes = enrol(client)
        response = client.post(
            "/account/two-factor/off",
            data={
                "password": PASSWORD,
                "code": code(secret, step=1),
                "csrf_token": csrf_of_page(client),
            },
        )
        assert response.status_code == 403
    admin = make_user(Role.admin)
    with TestClient(app, follow_redirects=False) as admin_client:
        password_step(admin_client, admin.username)
        token = page_csrf(admin_client, "/account/two-factor")
        # The admin's own session showed no second factor: with the rule on, it enrols first.
        response = admin_client.post(
            f"/admin/users/{user.id}/two-factor/reset", data={"csrf_token": token}
        )
        assert response.headers["location"] == "/account/two-factor"
        enrol(admin_client)
        response = admin_client.post(
            f"/admin/users/{user.id}/two-factor/reset",
            data={"csrf_token": page_csrf(admin_client, "/account")},
        )
        assert response.status_code == 303
    with session_scope() as db:
        assert db.get(TwoFactor, user.id) is None


def test_the_header_language_switch_changes_a_saved_language_too(login_as):
    client, user, token = login_as(Role.patient)
    saved = {"display_name": user.display_name, "locale": "en", "csrf_token": token}
    assert client.post("/account", data=saved).status_code == 303
    response = client.post("/language", data={"lang": "es", "next": "/", "csrf_token": token})
    assert response.status_code == 303
    assert 'lang="es"' in client.get("/account").text
