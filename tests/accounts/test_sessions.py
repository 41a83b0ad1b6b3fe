"""Server-side sessions: log-out, password change, administrator reset and signing out elsewhere."""

import re

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import sessions
from app.accounts.models import Role, User, UserSession
from app.audit.models import AuditEvent
from app.database import session_scope
from app.security import hash_token
from tests.conftest import PASSWORD, csrf_of, login

NEW_PASSWORD = "otoño-en-el-parque-77"


def _client(app) -> TestClient:
    return TestClient(app, follow_redirects=False)


def _replay(app, cookie: str) -> TestClient:
    """A second browser holding a copy of a saved session cookie."""
    thief = _client(app)
    thief.cookies.set("carepost_session", cookie)
    return thief


def test_saved_cookie_stops_working_after_logout(app, client, make_user):
    user = make_user(Role.patient)
    csrf = login(client, user.username)
    saved = client.cookies.get("carepost_session")
    assert _replay(app, saved).get("/api/me").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    with _replay(app, saved) as thief:
        assert thief.get("/api/me").status_code == 401
        assert thief.get("/account").status_code == 303


def test_session_ids_are_stored_only_as_hashes(db, make_user):
    user = make_user(Role.patient)
    plain = sessions.start(db=db, user=user, ip="10.0.0.1", user_agent="Firefox")
    stored = db.exec(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert stored.token_hash == hash_token(plain) and plain not in stored.token_hash


def test_password_change_ends_other_sessions_but_keeps_this_one_and_tokens(app, make_user):
    user = make_user(Role.marketing)
    here, elsewhere = _client(app), _client(app)
    csrf = login(here, user.username)
    login(elsewhere, user.username)
    token = here.post("/api/tokens", json={"name": "scripts"}, headers={"X-CSRF-Token": csrf})
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    changed = here.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": csrf,
        },
    )
    assert changed.status_code == 200 and 'data-testid="password-changed"' in changed.text
    assert here.get("/api/me").status_code == 200
    assert elsewhere.get("/api/me").status_code == 401
    assert _client(app).get("/api/me", headers=bearer).status_code == 200
    fresh = _client(app)
    login(fresh, user.username, NEW_PASSWORD)
    with session_scope() as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "password.change")).one()
        assert NEW_PASSWORD not in str(event.detail) and PASSWORD not in str(event.detail)


def test_password_change_needs_the_current_password(login_as):
    client, _user, csrf = login_as(Role.patient)
    refused = client.post(
        "/account/password",
        data={
            "current_password": "not-my-password",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": csrf,
        },
    )
    assert refused.status_code == 403 and "current password is not right" in refused.text
    assert client.get("/api/me").status_code == 200


def test_password_change_refuses_weak_passwords(login_as):
    client, user, csrf = login_as(Role.clinician)
    for weak, reason in [
        ("short-1", "10 to 200 characters"),
        ("password123", "too easy to guess"),
        (f"{user.username}-2026", "too easy to guess"),
        ("abababababab", "too few different characters"),
    ]:
        refused = client.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": weak,
                "confirm_password": weak,
                "csrf_token": csrf,
            },
        )
        assert refused.status_code == 422 and reason in refused.text, weak


def test_password_change_form_in_spanish(app, make_user):
    user = make_user(Role.patient)
    client = _client(app)
    client.post("/language", data={"lang": "es", "csrf_token": csrf_of(client)})
    csrf = login(client, user.username)
    page = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": "otra-cosa-distinta",
            "csrf_token": csrf,
        },
    )
    assert page.status_code == 422 and "las dos contraseñas nuevas no coinciden" in page.text


def test_admin_reset_generates_a_password_ends_sessions_and_tokens_and_is_audited(
    app, login_as, make_user
):
    admin, admin_user, admin_csrf = login_as(Role.admin)
    user = make_user(Role.marketing)
    victim = _client(app)
    csrf = login(victim, user.username)
    token = victim.post("/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    page = admin.post(f"/admin/users/{user.id}/password", data={"csrf_token": admin_csrf})
    assert page.status_code == 200
    generated = re.search(r'data-testid="new-password">([^<]+)<', page.text).group(1)
    assert victim.get("/api/me").status_code == 401
    assert _client(app).get("/api/me", headers=bearer).status_code == 401
    login(_client(app), user.username, generated)
    with session_scope() as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "password.reset")).one()
        assert event.actor_id == admin_user.id and event.object_id == str(user.id)
        assert generated not in str(event.detail)


def test_admin_reset_with_a_typed_password_does_not_echo_it(login_as, make_user):
    admin, _admin, admin_csrf = login_as(Role.admin)
    user = make_user(Role.patient)
    page = admin.post(
        f"/admin/users/{user.id}/password",
        data={"password": NEW_PASSWORD, "csrf_token": admin_csrf},
    )
    assert page.status_code == 200 and NEW_PASSWORD not in page.text
    assert 'data-testid="password-reset"' in page.text
    weak = admin.post(
        f"/admin/users/{user.id}/password",
        data={"password": "password123", "csrf_token": admin_csrf},
    )
    assert weak.status_code == 422


def test_only_admins_reset_passwords(login_as, make_user):
    target = make_user(Role.patient)
    for role in (Role.marketing, Role.clinician, Role.patient):
        client, _user, csrf = login_as(role, verified=role == Role.clinician)
        refused = client.post(
            f"/admin/users/{target.id}/password",
            data={"password": NEW_PASSWORD, "csrf_token": csrf},
        )
        assert refused.status_code == 403, role
    with session_scope() as db:
        assert not db.exec(select(AuditEvent).where(AuditEvent.action == "password.reset")).all()
    login(TestClient(client.app, follow_redirects=False), target.username)


def test_account_page_lists_sessions_and_signs_out_everywhere_else(app, make_user):
    user = make_user(Role.patient)
    here, phone = _client(app), _client(app)
    csrf = login(here, user.username)
    login(phone, user.username)
    page = here.get("/account").text
    assert page.count("data-session=") == 2 and "this browser" in page
    ended = here.post("/account/sessions/others/end", data={"csrf_token": csrf})
    assert ended.status_code == 303
    assert phone.get("/api/me").status_code == 401 and here.get("/api/me").status_code == 200


def test_a_user_cannot_end_someone_elses_session(app, make_user, login_as):
    other = make_user(Role.patient)
    other_client = _client(app)
    login(other_client, other.username)
    with session_scope() as db:
        theirs = db.exec(select(UserSession).where(UserSession.user_id == other.id)).one().id
    client, _user, csrf = login_as(Role.patient)
    refused = client.post(f"/account/sessions/{theirs}/end", data={"csrf_token": csrf})
    assert refused.status_code == 404 and other_client.get("/api/me").status_code == 200


def test_deactivation_ends_sessions(app, make_user):
    admin, user = make_user(Role.admin), make_user(Role.patient)
    client = _client(app)
    login(client, user.username)
    from app.accounts import service as accounts

    with session_scope() as db:
        accounts.set_active(db=db, user_id=user.id, active=False, actor=db.get(User, admin.id))
    with session_scope() as db:
        accounts.set_active(db=db, user_id=user.id, active=True, actor=db.get(User, admin.id))
    assert client.get("/api/me").status_code == 401


def test_long_ended_sessions_are_removed_at_the_next_log_in(db, make_user):
    from datetime import timedelta

    from app.clock import utcnow

    user = make_user(Role.patient)
    old = sessions.start(db=db, user=user)
    recent = sessions.start(db=db, user=user)
    sessions.end(db=db, plain=recent)
    row = db.exec(select(UserSession).where(UserSession.token_hash == hash_token(old))).one()
    row.ended_at = utcnow() - timedelta(days=31)
    db.add(row)
    db.flush()
    sessions.start(db=db, user=user)
    hashes = set(db.exec(select(UserSession.token_hash).where(UserSession.user_id == user.id)))
    assert hash_token(old) not in hashes and hash_token(recent) in hashes


def test_a_session_id_beyond_the_column_is_not_found(login_as):
    client, _user, csrf = login_as(Role.patient)
    response = client.post(f"/account/sessions/{2**63}/end", data={"csrf_token": csrf})
    assert response.status_code == 404
