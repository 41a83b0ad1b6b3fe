"""One-time success messages: shown once after the action, in the user's language, htmx-friendly."""

import ast
import re
from html import unescape
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import Role
from app.database import session_scope
from app.groups.models import GroupPost
from app.i18n import translator
from app.posts.models import Post
from app.review.models import Reviewable
from tests.conftest import PASSWORD, login

ROOT = Path(__file__).resolve().parents[2]
FLASH = re.compile(r'<div class="flash (\w+)" role="(\w+)" data-testid="flash"><p>([^<]*)</p>')


def flashes(html: str) -> list[tuple[str, str]]:
    return [(kind, unescape(text)) for kind, _role, text in FLASH.findall(html)]


def test_saving_the_account_shows_saved_once(login_as):
    client, _user, token = login_as(Role.patient)
    response = client.post(
        "/account", data={"display_name": "Sol de Tarde", "locale": "en", "csrf_token": token}
    )
    assert response.status_code == 303 and response.headers["location"] == "/account"
    assert flashes(client.get("/account").text) == [("success", "Saved.")]
    assert flashes(client.get("/account").text) == []


def test_the_message_is_in_the_language_the_user_just_chose(login_as):
    client, _user, token = login_as(Role.patient)
    client.post("/account", data={"display_name": "Sol", "locale": "es", "csrf_token": token})
    assert flashes(client.get("/account").text) == [("success", "Guardado.")]


def test_creating_a_user_names_the_new_account(login_as):
    client, _admin, token = login_as(Role.admin)
    response = client.post(
        "/admin/users",
        data={
            "username": "nurse.ines",
            "display_name": "Inés",
            "role": "marketing",
            "password": PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    assert flashes(client.get("/admin/users").text) == [("success", "Account nurse.ines created.")]


def test_a_refused_user_creation_shows_its_error_and_no_success(login_as):
    client, _admin, token = login_as(Role.admin)
    response = client.post(
        "/admin/users",
        data={"username": "x", "display_name": "X", "role": "marketing", "csrf_token": token},
    )
    assert response.status_code == 422 and flashes(response.text) == []
    assert flashes(client.get("/admin/users").text) == []


def test_an_htmx_page_request_gets_the_message_as_an_out_of_band_swap(login_as):
    client, _user, token = login_as(Role.patient)
    client.post("/account", data={"display_name": "Sol", "locale": "en", "csrf_token": token})
    response = client.get("/account", headers={"HX-Request": "true"})
    assert '<div id="flash" aria-live="polite" hx-swap-oob="true">' in response.text
    assert "<html" not in response.text
    assert flashes(response.text) == [("success", "Saved.")]


def test_an_htmx_page_without_messages_clears_old_ones(login_as):
    client, _user, _token = login_as(Role.patient)
    response = client.get("/groups", headers={"HX-Request": "true"})
    assert '<div id="flash" aria-live="polite" hx-swap-oob="true"></div>' in response.text


def test_a_polled_fragment_does_not_swallow_the_message(login_as):
    client, _user, token = login_as(Role.patient)
    client.post("/account", data={"display_name": "Sol", "locale": "en", "csrf_token": token})
    client.get("/notifications/bell", headers={"HX-Request": "true"})
    assert flashes(client.get("/account").text) == [("success", "Saved.")]


def test_approving_and_rejecting_a_post_say_so(login_as, outbox, new_post):
    client, _clinician, token = login_as(Role.clinician, verified=True)
    for decision, message in (("approve", "Post approved."), ("reject", "Post rejected.")):
        post_id = new_post([outbox], health_claim=True, in_seconds=3600)
        with session_scope() as db:
            version = db.get(Post, post_id).version
        response = client.post(
            f"/posts/{post_id}/review",
            data={"decision": decision, "version": version, "comment": "ok", "csrf_token": token},
        )
        assert response.status_code == 303
        assert flashes(client.get(response.headers["location"]).text) == [("success", message)]


def test_reporting_a_group_post_thanks_the_reporter(app, community):
    people, groups = community
    group_id = groups["public"]
    with (
        TestClient(app, follow_redirects=False) as member,
        TestClient(app, follow_redirects=False) as reporter,
    ):
        token = login(member, people["member"].username)
        member.post(
            f"/groups/{group_id}/posts",
            data={"text": "Hoy he caminado una hora", "csrf_token": token},
        )
        with session_scope() as db:
            post_id = db.exec(select(GroupPost.id).where(GroupPost.group_id == group_id)).first()
        token = login(reporter, people["moderator"].username)
        response = reporter.post(
            f"/groups/{group_id}/posts/{post_id}/report",
            data={"reason": "off topic", "label": "", "csrf_token": token},
        )
        assert response.status_code == 303
        shown = flashes(reporter.get(response.headers["location"]).text)
        assert shown == [("success", "Thank you: the group's moderators will look at your report.")]


def test_a_review_decision_is_confirmed(app, community, login_as):
    people, groups = community
    group_id = groups["public"]
    with TestClient(app, follow_redirects=False) as member:
        token = login(member, people["member"].username)
        held = member.post(
            f"/groups/{group_id}/posts",
            data={"text": "I want to kill myself tonight", "csrf_token": token},
        )
        assert held.status_code == 303, held.text[:300]
    with session_scope() as db:
        item = db.exec(select(Reviewable).order_by(Reviewable.id.desc())).first()
        item_id, version = item.id, item.version
    client, _clinician, token = login_as(Role.clinician, verified=True)
    response = client.post(
        f"/review/{item_id}",
        data={"action": "remove", "version": version, "note": "", "csrf_token": token},
    )
    assert response.status_code == 303
    assert flashes(client.get("/review").text) == [("success", "Decision saved.")]


def flash_messages_in_code() -> set[str]:
    """Every literal message passed to flash() in the application."""
    found = set()
    for folder in ("app", "moderation", "web", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "flash":
                    message = node.args[1] if len(node.args) > 1 else None
                    found |= {
                        n.value
                        for n in ast.walk(message or ast.Constant(None))
                        if isinstance(n, ast.Constant) and isinstance(n.value, str)
                    }
    return found


def test_every_flash_message_has_a_spanish_translation():
    messages = flash_messages_in_code()
    assert "Saved." in messages and "Post rejected." in messages
    spanish = translator("es")
    assert sorted(m for m in messages if spanish(m) == m) == []
