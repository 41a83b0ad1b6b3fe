"""Usernames follow one pattern wherever they enter; patients' pseudonyms hide their real name
and never pass for staff."""

import os
import subprocess
import sys

import pytest

from app.accounts import names
from app.accounts import service as accounts
from app.accounts.models import PatientRegister, Role, UserCreate
from app.errors import InvalidInput
from tests.conftest import PASSWORD, csrf_of

BAD_USERNAMES = ["<b>x</b>", "admin\u200bx", "a b", "ab", "-abc", "maría", "x" * 41, "ok\n"]


@pytest.mark.parametrize("username", BAD_USERNAMES)
def test_register_form_refuses_a_username_outside_the_pattern(client, username):
    response = client.post(
        "/register",
        data={
            "username": username,
            "display_name": "Caminante",
            "password": PASSWORD,
            "csrf_token": csrf_of(client),
        },
    )
    assert response.status_code == 422 and "a username has 3 to 40 characters" in response.text


@pytest.mark.parametrize("username", BAD_USERNAMES)
def test_admin_api_refuses_a_username_outside_the_pattern(login_as, username):
    admin, _user, csrf = login_as(Role.admin)
    response = admin.post(
        "/api/users",
        headers={"X-CSRF-Token": csrf},
        json={
            "username": username,
            "display_name": "Marta",
            "role": "marketing",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 422 and "username" in response.text


def test_admin_form_refuses_a_username_outside_the_pattern(login_as):
    admin, _user, csrf = login_as(Role.admin)
    response = admin.post(
        "/admin/users",
        data={
            "username": "<b>x</b>",
            "display_name": "Marta",
            "role": "marketing",
            "password": PASSWORD,
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 422 and "a username has 3 to 40 characters" in response.text


def test_service_refuses_a_username_that_skipped_the_schema(db):
    data = UserCreate.model_construct(
        username="a b", display_name="Marta", role=Role.marketing, password=PASSWORD
    )
    with pytest.raises(InvalidInput, match="username"):
        accounts.create_user(db=db, data=data, actor=None)


def test_cli_refuses_a_username_outside_the_pattern(db_url, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "user", "create", "a b", "--role", "marketing"],
        cwd=tmp_path,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "a username has 3 to 40 characters" in result.stderr


def test_a_valid_username_is_stored_lower_case(db):
    user = accounts.register_patient(
        db=db,
        data=PatientRegister(username=" Maria.G_2 ", display_name="Girasol", password=PASSWORD),
    )
    assert user.username == "maria.g_2"


@pytest.mark.parametrize(
    "display_name",
    [
        "LuciaFernandez",
        "Lucia_Fernandez",
        "L u c i a Fernandez",
        "Luc1a Fernandez",
        "FERNÁNDEZ, lucía",
    ],
)
def test_a_pseudonym_cannot_hide_the_full_real_name(client, display_name):
    response = client.post(
        "/register",
        data={
            "username": "lucia",
            "display_name": display_name,
            "real_name": "Lucía Fernández",
            "password": PASSWORD,
            "csrf_token": csrf_of(client),
        },
    )
    assert response.status_code == 422 and "choose a pseudonym" in response.text


@pytest.mark.parametrize("display_name", ["Lucía", "Luz del Norte", "LuciaF", "Caminante 7"])
def test_a_first_name_or_an_invented_name_is_a_fine_pseudonym(display_name):
    assert not names.shows_real_name(display_name, "Lucía Fernández")
    assert not names.has_title(display_name)


@pytest.mark.parametrize(
    "display_name",
    [
        "Dr. Pepe",
        "Dra Ana",
        "Doctora Luna",
        "DrPepe",
        "Enf. Marta",
        "Prof Luis",
        "Lic. Sol",
        "doctorpepe",
    ],
)
def test_a_patient_cannot_take_a_professional_title(client, display_name):
    response = client.post(
        "/register",
        data={
            "username": "pepe",
            "display_name": display_name,
            "password": PASSWORD,
            "csrf_token": csrf_of(client),
        },
    )
    assert response.status_code == 422 and "professional title" in response.text


@pytest.mark.parametrize(
    "display_name", ["Dr. Carlos Ruiz", "Carlos Ruiz", "carlos_ruiz", "C4rlos Ru1z"]
)
def test_a_patient_cannot_take_a_clinicians_name(login_as, make_user, display_name):
    make_user(Role.clinician, display_name="Dr. Carlos Ruiz", verified=True)
    patient, _user, csrf = login_as(Role.patient)
    response = patient.post("/account", data={"display_name": display_name, "csrf_token": csrf})
    assert response.status_code == 422 and "staff member" in response.text


def test_a_patient_cannot_take_a_staff_members_real_name(client, make_user):
    make_user(Role.marketing, display_name="Comunicación", real_name="Marta Gil Soler")
    response = client.post(
        "/register",
        data={
            "username": "marta2",
            "display_name": "Marta Gil",
            "password": PASSWORD,
            "csrf_token": csrf_of(client),
        },
    )
    assert response.status_code == 422


def test_staff_may_use_their_titles(login_as):
    clinician, _user, csrf = login_as(Role.clinician, verified=True)
    response = clinician.post(
        "/account", data={"display_name": "Dra. Elena Soto", "csrf_token": csrf}
    )
    assert response.status_code == 303
    assert "Dra. Elena Soto" in clinician.get("/account").text


def test_group_moderators_see_pseudonyms_not_usernames(app, community):
    from fastapi.testclient import TestClient

    from tests.conftest import login

    people, group_ids = community
    moderator = TestClient(app, follow_redirects=False)
    login(moderator, people["moderator"].username)
    page = moderator.get(f"/groups/{group_ids['private']}/members")
    assert page.status_code == 200 and people["member"].display_name in page.text
    for name in ("member", "admin", "clinician"):
        assert people[name].username not in page.text
    moderator.close()
