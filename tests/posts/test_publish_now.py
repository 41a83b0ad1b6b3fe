"""Publish now sends only what has not gone out; a published post is copied as a new post, on request."""

from sqlmodel import select

from app.accounts.models import Role
from app.channels.models import OutboxMessage
from app.database import session_scope
from scheduler.dispatcher import tick


def outbox_messages() -> int:
    with session_scope() as db:
        return len(list(db.exec(select(OutboxMessage))))


def _published_post(login_as, text="Abrimos el sábado"):
    marketer, _m, csrf = login_as(Role.marketing)
    created = marketer.post(
        "/api/posts", headers={"X-CSRF-Token": csrf}, json={"text": text, "channels": ["Outbox"]}
    ).json()
    assert created["status"] == "draft"
    response = marketer.post(f"/posts/{created['id']}/publish-now", data={"csrf_token": csrf})
    assert response.status_code == 303
    tick()
    assert marketer.get(f"/api/posts/{created['id']}").json()["status"] == "done"
    return marketer, csrf, created["id"]


def test_publish_now_on_a_published_post_sends_nothing_again(login_as, outbox):
    marketer, csrf, post_id = _published_post(login_as)
    assert outbox_messages() == 1
    page = marketer.post(f"/posts/{post_id}/publish-now", data={"csrf_token": csrf})
    assert page.status_code == 409 and 'data-testid="form-error"' in page.text
    api = marketer.post(f"/api/posts/{post_id}/publish-now", headers={"X-CSRF-Token": csrf})
    assert api.status_code == 409 and "new post" in api.json()["detail"]
    tick()
    assert outbox_messages() == 1
    shown = marketer.get(f"/api/posts/{post_id}").json()
    assert [d["status"] for d in shown["deliveries"]] == ["published"]


def test_a_published_post_offers_only_publish_again_behind_a_confirmation(login_as, outbox):
    marketer, csrf, post_id = _published_post(login_as)
    page = marketer.get(f"/posts/{post_id}").text
    assert "Publish now" not in page and 'data-testid="publish-again"' in page
    unconfirmed = marketer.post(f"/posts/{post_id}/publish-again", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 422 and 'data-testid="form-error"' in unconfirmed.text
    api_unconfirmed = marketer.post(
        f"/api/posts/{post_id}/publish-again",
        headers={"X-CSRF-Token": csrf},
        json={"confirm": False},
    )
    assert api_unconfirmed.status_code == 422
    copied = marketer.post(
        f"/posts/{post_id}/publish-again", data={"csrf_token": csrf, "confirm": "yes"}
    )
    assert copied.status_code == 303
    copy_id = int(copied.headers["location"].rsplit("/", 1)[1])
    assert copy_id != post_id
    copy = marketer.get(f"/api/posts/{copy_id}").json()
    assert copy["status"] == "draft" and copy["deliveries"] == []
    tick()
    assert outbox_messages() == 1  # the copy waits until someone publishes or schedules it


def test_publishing_again_a_health_claim_needs_a_new_approval(login_as, outbox):
    marketer, m_csrf = login_as(Role.marketing)[0::2]
    clinician, c_csrf = login_as(Role.clinician, verified=True)[0::2]
    created = marketer.post(
        "/api/posts",
        headers={"X-CSRF-Token": m_csrf},
        json={"text": "La vacuna protege", "channels": ["Outbox"], "health_claim": True},
    ).json()
    clinician.post(
        f"/api/posts/{created['id']}/review",
        headers={"X-CSRF-Token": c_csrf},
        json={"approve": True},
    )
    marketer.post(f"/api/posts/{created['id']}/publish-now", headers={"X-CSRF-Token": m_csrf})
    tick()
    copy = marketer.post(
        f"/api/posts/{created['id']}/publish-again",
        headers={"X-CSRF-Token": m_csrf},
        json={"confirm": True},
    )
    assert copy.status_code == 201 and copy.json()["status"] == "awaiting_approval"
    refused = marketer.post(
        f"/api/posts/{copy.json()['id']}/publish-now", headers={"X-CSRF-Token": m_csrf}
    )
    assert refused.status_code == 409


def test_publish_now_brings_a_scheduled_delivery_forward_without_a_second_one(
    login_as, outbox, new_post
):
    marketer, csrf = login_as(Role.marketing)[0::2]
    post_id = new_post([outbox], in_seconds=3600)
    response = marketer.post(f"/api/posts/{post_id}/publish-now", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200
    assert len(response.json()["deliveries"]) == 1
    tick()
    assert outbox_messages() == 1
    assert marketer.get(f"/api/posts/{post_id}").json()["status"] == "done"


def test_publish_now_on_a_recurring_post_does_not_repeat_the_occurrence_just_sent(
    login_as, outbox, new_post
):
    marketer, csrf = login_as(Role.marketing)[0::2]
    post_id = new_post([outbox], in_seconds=0, recurrence={"freq": "weekly"})
    tick()
    assert outbox_messages() == 1
    assert marketer.get(f"/api/posts/{post_id}").json()["status"] == "scheduled"
    page = marketer.get(f"/posts/{post_id}").text
    assert "Publish now" not in page
    response = marketer.post(f"/posts/{post_id}/publish-now", data={"csrf_token": csrf})
    assert response.status_code == 409
    tick()
    assert outbox_messages() == 1
