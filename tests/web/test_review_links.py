"""A review item links to its content in place only when the reviewer can open that page."""

import re

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import Role
from app.database import session_scope
from app.review.models import Reviewable
from tests.conftest import login

EMERGENCY = "I want to kill myself tonight"


def _latest_item_id() -> int:
    with session_scope() as db:
        return db.exec(select(Reviewable.id).order_by(Reviewable.id.desc())).first()


def _in_place_links(html: str) -> list[str]:
    return re.findall(r'<a href="(/groups/\d+/posts/\d+)">', html)


def test_a_held_thread_is_not_linked_from_its_review_item(app, community, login_as):
    people, groups = community
    with TestClient(app, follow_redirects=False) as member:
        token = login(member, people["member"].username)
        started = member.post(
            f"/groups/{groups['public']}/posts", data={"text": EMERGENCY, "csrf_token": token}
        )
    thread_url = started.headers["location"]
    reviewer, _clinician, _token = login_as(Role.clinician, verified=True)
    assert reviewer.get(thread_url).status_code == 404
    page = reviewer.get(f"/review/{_latest_item_id()}")
    assert page.status_code == 200 and _in_place_links(page.text) == []


def test_a_held_reply_links_to_its_visible_thread(app, community, login_as):
    people, groups = community
    with TestClient(app, follow_redirects=False) as member:
        token = login(member, people["member"].username)
        started = member.post(
            f"/groups/{groups['public']}/posts",
            data={"text": "Hoy he caminado una hora", "csrf_token": token},
        )
        thread_url = started.headers["location"]
        member.post(thread_url + "/replies", data={"text": EMERGENCY, "csrf_token": token})
    reviewer, _clinician, _token = login_as(Role.clinician, verified=True)
    page = reviewer.get(f"/review/{_latest_item_id()}")
    assert _in_place_links(page.text) == [thread_url]
    assert reviewer.get(thread_url).status_code == 200
