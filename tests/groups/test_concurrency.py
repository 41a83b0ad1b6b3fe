"""Concurrent writers: counters add up, identical reactions and group names never give a 500."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import service as accounts
from app.accounts.models import Role
from app.database import session_scope
from app.groups import service as groups
from app.groups import threads
from app.groups.models import GroupReaction
from app.main import create_app
from tests.conftest import login

WRITERS = 16


def bearer(user, locale: str | None = None) -> dict[str, str]:
    """Headers that authenticate user, who reads carepost in locale: an API token for staff, the
    session cookie of a real log-in (with its CSRF token) for patients, who get no API tokens."""
    with session_scope() as db:
        if locale:
            accounts.update_preferences(
                db=db, user=db.merge(user), display_name=user.display_name, locale=locale
            )
        if user.role != Role.patient:
            _token, plain = accounts.create_token(db=db, user=user, name="concurrency")
            return {"Authorization": f"Bearer {plain}"}
    with TestClient(create_app(), follow_redirects=False) as client:
        csrf = login(client, user.username)
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": csrf}


@pytest.fixture
def server(app):
    """The app served to many threads at once (sync routes run in its thread pool)."""
    with TestClient(app, follow_redirects=False) as client:
        yield client


def at_once(count: int, call) -> list:
    """Run call(i) for i in range(count) from WRITERS threads that start together."""
    start = threading.Barrier(min(count, WRITERS))

    def run(i: int):
        if i < WRITERS:
            start.wait(timeout=30)
        return call(i)

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_replies_are_all_counted(server, community):
    people, group_ids = community
    group_id = group_ids["public"]
    # The group's admin is exempt from the hourly posting limit.
    headers = bearer(people["admin"])
    thread = server.post(
        f"/api/groups/{group_id}/posts", json={"text": "How do you all sleep?"}, headers=headers
    ).json()
    url = f"/api/groups/{group_id}/posts/{thread['id']}/replies"

    answers = at_once(100, lambda i: server.post(url, json={"text": f"reply {i}"}, headers=headers))

    assert [r.status_code for r in answers] == [201] * 100
    page = server.get(f"/api/groups/{group_id}/posts", headers=headers).json()
    (shown,) = [p for p in page["items"] if p["id"] == thread["id"]]
    assert shown["reply_count"] == 100


def test_concurrent_identical_reactions_all_succeed_and_count_once(server, community):
    people, group_ids = community
    group_id = group_ids["public"]
    headers = bearer(people["member"])
    with session_scope() as db:
        post = threads.write(db=db, viewer=people["admin"], group_id=group_id, text="Hello all")
    url = f"/api/groups/{group_id}/posts/{post.id}/reactions"

    answers = at_once(32, lambda _i: server.post(url, json={"kind": "hug"}, headers=headers))

    assert {(r.status_code, r.json()["on"]) for r in answers} == {(200, True)}
    with session_scope() as db:
        rows = db.exec(select(GroupReaction).where(GroupReaction.post_id == post.id)).all()
    assert [(r.user_id, r.kind) for r in rows] == [(people["member"].id, "hug")]


def test_the_same_reaction_twice_gives_the_same_result(server, community):
    people, group_ids = community
    group_id = group_ids["public"]
    headers = bearer(people["member"])
    with session_scope() as db:
        post = threads.write(db=db, viewer=people["admin"], group_id=group_id, text="Hello")
    url = f"/api/groups/{group_id}/posts/{post.id}/reactions"

    def count() -> dict:
        page = server.get(f"/api/groups/{group_id}/posts", headers=headers).json()
        (shown,) = [p for p in page["items"] if p["id"] == post.id]
        return shown["reactions"], shown["my_reactions"]

    for _ in range(2):
        answer = server.post(url, json={"kind": "thanks"}, headers=headers)
        assert (answer.status_code, answer.json()) == (200, {"kind": "thanks", "on": True})
        assert count() == ({"thanks": 1}, ["thanks"])
    for _ in range(2):
        answer = server.post(url, json={"kind": "thanks", "on": False}, headers=headers)
        assert (answer.status_code, answer.json()) == (200, {"kind": "thanks", "on": False})
        assert count() == ({}, [])


def test_the_reaction_buttons_say_what_a_click_will_do(community, login_as):
    people, group_ids = community
    group_id = group_ids["public"]
    client, member, csrf = login_as(Role.patient)
    with session_scope() as db:
        groups.join(db=db, viewer=member, group_id=group_id, accept_rules=True)
        post = threads.write(db=db, viewer=people["admin"], group_id=group_id, text="Hi")
    url = f"/groups/{group_id}/posts/{post.id}/react"
    for _ in range(2):  # a double click leaves one reaction on
        part = client.post(url, data={"kind": "hug", "on": "true", "csrf_token": csrf})
        assert part.status_code == 200
        assert 'aria-pressed="true" data-testid="react-hug">hug 1</button>' in part.text
        assert '"kind": "hug", "on": "false"' in part.text
    part = client.post(url, data={"kind": "hug", "on": "false", "csrf_token": csrf})
    assert 'aria-pressed="false" data-testid="react-hug">hug 0</button>' in part.text


def test_concurrent_groups_of_one_name_give_one_group_and_409s_in_spanish(
    server, make_user, db_url
):
    headers = bearer(make_user(Role.marketing), locale="es")
    body = {"name": "Cuidadores", "description": "", "visibility": "public"}

    answers = at_once(12, lambda _i: server.post("/api/groups", json=body, headers=headers))

    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] + [409] * 11
    refused = next(r for r in answers if r.status_code == 409).json()
    assert refused["detail"] == "ya existe un grupo llamado «Cuidadores»"
    assert refused["field"] == "name"
    listed = server.get("/api/groups", headers=headers).json()
    assert [g["name"] for g in listed].count("Cuidadores") == 1


def test_a_duplicate_group_name_in_english_for_an_english_user(server, make_user, db_url):
    headers = bearer(make_user(Role.marketing), locale="en")
    body = {"name": "Carers", "visibility": "public"}
    assert server.post("/api/groups", json=body, headers=headers).status_code == 201
    again = server.post("/api/groups", json=body, headers=headers)
    assert again.status_code == 409
    assert again.json()["detail"] == "a group named “Carers” exists already"


def test_concurrent_joins_give_one_membership_and_no_500(server, community, make_user):
    _people, group_ids = community
    joiner = make_user(Role.patient)
    headers = bearer(joiner)
    url = f"/api/groups/{group_ids['public']}/join"

    answers = at_once(12, lambda _i: server.post(url, json={"accept_rules": True}, headers=headers))

    assert sorted(r.status_code for r in answers) == [200] + [409] * 11
