"""GET /api/users/{id} answers by role: administrators everything, staff their colleagues,
verified clinicians patients by pseudonym, patients only themselves."""

import pytest

from app.accounts.models import Role

PSEUDONYM_KEYS = {"id", "display_name", "role"}
STAFF_KEYS = {"id", "display_name", "role", "clinician_verified", "specialty"}


@pytest.fixture
def people(make_user):
    return {
        "patient": make_user(Role.patient, real_name="Lucía Fernández", display_name="Luz"),
        "clinician": make_user(Role.clinician, verified=True, real_name="Carlos Ruiz"),
        "admin": make_user(Role.admin),
    }


def test_a_patient_cannot_enumerate_other_accounts(login_as, people):
    client, me, _csrf = login_as(Role.patient)
    for other in people.values():
        assert client.get(f"/api/users/{other.id}").status_code == 404
    assert client.get(f"/api/users/{me.id + 1000}").status_code == 404
    own = client.get(f"/api/users/{me.id}")
    assert own.status_code == 200 and own.json()["username"] == me.username


def test_a_verified_clinician_sees_a_patient_only_by_pseudonym(login_as, people):
    client, _me, _csrf = login_as(Role.clinician, verified=True)
    body = client.get(f"/api/users/{people['patient'].id}").json()
    assert set(body) == PSEUDONYM_KEYS and body["display_name"] == "Luz"


@pytest.mark.parametrize(("role", "verified"), [(Role.marketing, False), (Role.clinician, False)])
def test_marketing_and_unverified_clinicians_do_not_see_patients(login_as, people, role, verified):
    client, _me, _csrf = login_as(role, verified=verified)
    assert client.get(f"/api/users/{people['patient'].id}").status_code == 404


@pytest.mark.parametrize(("role", "verified"), [(Role.marketing, False), (Role.clinician, True)])
def test_staff_see_colleagues_without_username_or_real_name(login_as, people, role, verified):
    client, _me, _csrf = login_as(role, verified=verified)
    body = client.get(f"/api/users/{people['clinician'].id}").json()
    assert set(body) == STAFF_KEYS and body["clinician_verified"] is True


def test_an_admin_sees_every_account_in_full(login_as, people):
    client, _me, _csrf = login_as(Role.admin)
    body = client.get(f"/api/users/{people['patient'].id}").json()
    assert body["username"] == people["patient"].username and body["real_name"] == "Lucía Fernández"
    assert "is_active" in body and "password_hash" not in body


def test_only_admins_list_users(login_as):
    for role in (Role.marketing, Role.patient):
        client, _me, _csrf = login_as(role)
        assert client.get("/api/users").status_code == 403
    admin, _me, _csrf = login_as(Role.admin)
    assert admin.get("/api/users").status_code == 200


def test_the_published_schema_names_each_view(client):
    schema = client.get("/openapi.json").json()
    answer = schema["paths"]["/api/users/{user_id}"]["get"]["responses"]["200"]
    names = {
        ref["$ref"].rsplit("/", 1)[1]
        for ref in answer["content"]["application/json"]["schema"]["anyOf"]
    }
    assert names == {"UserAdminView", "UserSelf", "StaffProfile", "PatientPseudonym"}
