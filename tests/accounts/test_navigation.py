"""The menu shows each role exactly the pages it can open; account pages offer only what the role
may use."""

import re

import pytest
from fastapi.testclient import TestClient

from app.accounts import service as accounts
from app.accounts.models import Role
from app.database import session_scope
from tests.conftest import login
from web.navigation import NAV, can_open, nav_for

ROLES = [
    (Role.admin, False),
    (Role.marketing, False),
    (Role.clinician, True),
    (Role.clinician, False),
    (Role.patient, False),
]


def _menu(page: str) -> list[str]:
    nav = re.search(r'<nav [^>]*id="nav">(.*?)</nav>', page, re.S).group(1)
    return re.findall(r'href="([^"]+)" data-nav="([^"]+)"', nav)


@pytest.mark.parametrize(("role", "verified"), ROLES)
def test_every_menu_link_opens_for_the_role_and_no_other_menu_page_does(
    app, make_user, role, verified
):
    user = make_user(role, verified=verified)
    with TestClient(app, follow_redirects=False) as client:
        login(client, user.username)
        shown = _menu(client.get("/").text)
        assert [name for _href, name in shown] == [item.route for item in nav_for(user)]
        for href, name in shown:
            assert client.get(href).status_code == 200, name
        for item in NAV:
            path = app.url_path_for(item.route)
            if can_open(user, item.route):  # in the menu, or linked from a related page
                assert client.get(path).status_code == 200, item.route
            else:
                assert client.get(path).status_code in (403, 404), item.route


def test_review_links_follow_the_menu_rule(make_user):
    marketer = make_user(Role.marketing)
    clinician = make_user(Role.clinician, verified=True)
    assert not can_open(marketer, "review_queue") and can_open(clinician, "review_queue")
    assert not can_open(None, "home")


def test_create_user_form_defaults_to_the_least_privileged_role(login_as):
    admin, _user, _csrf = login_as(Role.admin)
    page = admin.get("/admin/users").text
    form = page[page.index('action="/admin/users" class="grid"') :]
    selected = re.search(r'<option value="(\w+)" selected>', form).group(1)
    assert selected == "patient"


def test_patients_see_no_api_tokens_and_cannot_create_them(login_as):
    patient, _user, csrf = login_as(Role.patient)
    assert 'id="tokens"' not in patient.get("/account").text
    assert (
        patient.post("/account/tokens", data={"name": "x", "csrf_token": csrf}).status_code == 403
    )
    refused = patient.post("/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403


@pytest.mark.parametrize(("role", "verified"), ROLES[:4])
def test_staff_see_their_api_tokens(login_as, role, verified):
    client, _user, _csrf = login_as(role, verified=verified)
    assert 'id="tokens"' in client.get("/account").text


def test_a_token_stops_working_when_its_owner_becomes_a_patient(client, make_user):
    admin, user = make_user(Role.admin), make_user(Role.marketing)
    with session_scope() as db:
        _token, plain = accounts.create_token(db=db, user=user, name="scripts")
    bearer = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/me", headers=bearer).status_code == 200
    with session_scope() as db:
        accounts.set_role(db=db, user_id=user.id, role=Role.patient, actor=admin)
    assert client.get("/api/me", headers=bearer).status_code == 401
