"""Log-in, registration, sessions, CSRF and the accounts API over HTTP."""

from sqlmodel import select

from app.accounts.models import Role, User
from app.database import session_scope
from app.notifications import service as notifications
from tests.conftest import PASSWORD, csrf_of, login


def test_anonymous_page_request_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert (
        response.status_code == 303 and response.headers["location"] == "/login?next=/admin/users"
    )


def test_anonymous_api_request_gets_401_json(client):
    response = client.get("/api/me")
    assert response.status_code == 401 and response.json()["detail"]


def test_wrong_password_shows_the_form_again_with_an_error(client, make_user):
    user = make_user(Role.patient)
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"username": user.username, "password": "nope-nope-nope", "csrf_token": token},
    )
    assert response.status_code == 401 and "Wrong username or password." in response.text


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user(Role.patient)
    client.get("/login")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 403 and "reload" in response.text


def test_login_follows_only_local_next(client, make_user):
    user = make_user(Role.patient)
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert response.headers["location"] == "/"


def test_api_me_with_session_and_logout_ends_it(client, make_user):
    user = make_user(Role.marketing)
    token = login(client, user.username)
    me = client.get("/api/me").json()
    assert (
        me["username"] == user.username and me["role"] == "marketing" and "password_hash" not in me
    )
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/api/me").status_code == 401


def test_session_cookie_stops_working_after_role_change(client, login_as, make_user):
    admin_client, _admin, admin_csrf = login_as(Role.admin)
    user = make_user(Role.marketing)
    login(client, user.username)
    admin_client.post(
        f"/admin/users/{user.id}/role", data={"role": "patient", "csrf_token": admin_csrf}
    )
    assert client.get("/api/me").status_code == 401


def test_patient_registration_creates_a_pseudonymous_patient(client):
    token = csrf_of(client)
    response = client.post(
        "/register",
        data={
            "username": "sol",
            "display_name": "Sol de Mayo",
            "real_name": "Soledad Pérez",
            "password": PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    me = client.get("/api/me").json()
    assert me["role"] == "patient" and me["display_name"] == "Sol de Mayo"


def test_registration_error_names_the_field(client):
    token = csrf_of(client)
    response = client.post(
        "/register",
        data={"username": "A B", "display_name": "x", "password": "short", "csrf_token": token},
    )
    assert response.status_code == 422
    assert "username" in response.text and "password" in response.text


def test_other_users_never_see_a_patients_real_name(login_as, make_user):
    viewer, _user, _ = login_as(Role.patient)
    other = make_user(Role.patient, real_name="Lucía Fernández")
    body = viewer.get(f"/api/users/{other.id}").json()
    assert "real_name" not in body and "Lucía" not in str(body)


def test_bearer_token_authenticates_api_and_needs_no_csrf(client, login_as):
    marketer, _user, csrf = login_as(Role.marketing)
    created = marketer.post("/api/tokens", json={"name": "script"}, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    plain = created.json()["token"]
    response = client.get("/api/me", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200 and response.json()["role"] == "marketing"
    assert client.get("/api/me", headers={"Authorization": "Bearer cp_wrong"}).status_code == 401


def test_api_write_with_session_needs_the_csrf_header(login_as):
    marketer, _user, _csrf = login_as(Role.marketing)
    assert marketer.post("/api/tokens", json={"name": "x"}).status_code == 403


def test_admin_creates_and_verifies_a_clinician_through_the_api(login_as):
    admin, _user, csrf = login_as(Role.admin)
    headers = {"X-CSRF-Token": csrf}
    created = admin.post(
        "/api/users",
        headers=headers,
        json={
            "username": "drlopez",
            "display_name": "Dr. López",
            "role": "clinician",
            "password": PASSWORD,
            "licence_number": "41/1234",
        },
    )
    assert created.status_code == 201 and created.json()["clinician_verified"] is False
    verified = admin.post(f"/api/users/{created.json()['id']}/verify", headers=headers, json={})
    assert verified.status_code == 200 and verified.json()["clinician_verified"] is True


def test_api_validation_error_is_422_naming_the_field(login_as):
    admin, _user, csrf = login_as(Role.admin)
    response = admin.post(
        "/api/users",
        headers={"X-CSRF-Token": csrf},
        json={"username": "ok-name", "display_name": "Ok", "role": "wizard", "password": PASSWORD},
    )
    assert response.status_code == 422 and "role" in response.json()["detail"]


def test_duplicate_username_is_409(login_as, make_user):
    admin, _user, csrf = login_as(Role.admin)
    make_user(Role.patient, username="taken")
    response = admin.post(
        "/api/users",
        headers={"X-CSRF-Token": csrf},
        json={"username": "taken", "display_name": "Dup", "role": "patient", "password": PASSWORD},
    )
    assert response.status_code == 409 and response.json()["field"] == "username"


def test_malformed_json_body_is_a_4xx_not_a_500(login_as):
    admin, _user, csrf = login_as(Role.admin)
    response = admin.post(
        "/api/users",
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert response.status_code == 422


def test_unknown_object_is_404(login_as):
    admin, _user, csrf = login_as(Role.admin)
    assert (
        admin.post("/api/users/99999/verify", headers={"X-CSRF-Token": csrf}, json={}).status_code
        == 404
    )
    assert admin.get("/no/such/page").status_code == 404


def test_language_preference_changes_the_ui(login_as):
    patient, user, csrf = login_as(Role.patient)
    assert "My account" in patient.get("/account").text
    patient.post(
        "/account", data={"display_name": user.display_name, "locale": "es", "csrf_token": csrf}
    )
    assert "Mi cuenta" in patient.get("/account").text


def test_healthz_reports_the_database(client):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}


def test_pages_carry_security_headers(client):
    headers = client.get("/login").headers
    assert (
        headers["x-frame-options"] == "DENY"
        and "frame-ancestors 'none'" in headers["content-security-policy"]
    )


def test_htmx_request_gets_only_the_content_block(login_as):
    admin, _user, _csrf = login_as(Role.admin)
    full = admin.get("/admin/audit").text
    partial = admin.get("/admin/audit", headers={"HX-Request": "true"}).text
    assert "<html" in full and "<html" not in partial and "audit-table" in partial


def test_a_pseudonym_that_shows_the_full_real_name_is_refused(client):
    token = csrf_of(client)
    response = client.post(
        "/register",
        data={
            "username": "lucia",
            "display_name": "lucia fernandez",
            "real_name": "Lucía Fernández",
            "password": PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 422 and "pseudonym" in response.text
    assert client.get("/api/me").status_code == 401  # nothing was created
    fine = client.post(
        "/register",
        data={
            "username": "lucia",
            "display_name": "Lucía del Norte",  # a first name alone is fine
            "real_name": "Lucía Fernández",
            "password": PASSWORD,
            "csrf_token": token,
        },
    )
    assert fine.status_code == 303


def test_an_admin_renames_a_member_whose_name_identifies_them(login_as, make_user):
    from app.audit.models import AuditEvent

    admin, admin_user, admin_csrf = login_as(Role.admin)
    patient = make_user(Role.patient, real_name="Pedro Gómez Ruiz")
    with session_scope() as db:
        # An account from before names were checked: its pseudonym is its full name.
        stored = db.get(User, patient.id)
        stored.display_name = "Pedro Gómez Ruiz"
        db.add(stored)
    page = admin.get("/admin/users")
    assert 'data-testid="shows-real-name"' in page.text
    missing_reason = admin.post(
        f"/api/users/{patient.id}/rename",
        json={"display_name": "Caminante", "reason": ""},
        headers={"X-CSRF-Token": admin_csrf},
    )
    assert missing_reason.status_code == 422 and "reason" in missing_reason.text
    renamed = admin.post(
        f"/admin/users/{patient.id}/rename",
        data={
            "display_name": "Caminante",
            "reason": "shows your full name",
            "csrf_token": admin_csrf,
        },
    )
    assert renamed.status_code == 303
    assert admin.get(f"/api/users/{patient.id}").json()["display_name"] == "Caminante"
    with session_scope() as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "user.rename")).one()
        assert event.actor_id == admin_user.id and event.object_id == str(patient.id)
        told = notifications.recent(db=db, user_id=patient.id)
        assert "Caminante" in told[0].message
    patient_client, _user, patient_csrf = login_as(Role.patient, real_name="Ana María López")
    refused = patient_client.post(
        "/account", data={"display_name": "Ana López", "csrf_token": patient_csrf}
    )
    assert refused.status_code == 422 and "pseudonym" in refused.text
