"""Facebook Page webhooks: the verification handshake, signed payloads only, screened once."""

import hashlib
import hmac
import json

import pytest
from sqlmodel import select

from app import settings
from app.clock import utcnow
from app.database import session_scope
from app.posts.models import Delivery, DeliveryStatus, InboundComment
from app.review.models import ContentStatus, Reviewable

APP_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "carepost-verify-me"
PHI = "Maria Lopez Garcia, DNI 12345678Z, was diagnosed with HIV at your clinic last week"


@pytest.fixture
def configured(monkeypatch, db_url):
    monkeypatch.setenv("CAREPOST_FACEBOOK_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("CAREPOST_FACEBOOK_VERIFY_TOKEN", VERIFY_TOKEN)
    settings.get_settings.cache_clear()


@pytest.fixture
def fb_post(fb_channel, new_post) -> str:
    """A post published on the Facebook page (as the dispatcher leaves it); returns its Graph id."""
    post_id = new_post([fb_channel], text="Flu vaccination clinic every Saturday in November")
    with session_scope() as db:
        delivery = db.exec(select(Delivery).where(Delivery.post_id == post_id)).one()
        delivery.status, delivery.remote_id, delivery.sent_at = (
            DeliveryStatus.published,
            "1234_555",
            utcnow(),
        )
        db.add(delivery)
    return "1234_555"


def payload(post_id: str, comment_id: str, text: str, author_id: str = "987") -> bytes:
    change = {
        "field": "feed",
        "value": {
            "from": {"id": author_id, "name": "Pepe"},
            "post_id": post_id,
            "comment_id": comment_id,
            "parent_id": post_id,
            "created_time": 1_795_000_000,
            "item": "comment",
            "verb": "add",
            "message": text,
        },
    }
    body = {"object": "page", "entry": [{"id": "1234", "time": 1_795_000_000, "changes": [change]}]}
    return json.dumps(body).encode()


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def stored() -> list[InboundComment]:
    with session_scope() as db:
        return list(db.exec(select(InboundComment)))


def test_the_verification_handshake_echoes_the_challenge_only_for_the_right_token(
    client, configured
):
    ok = client.get(
        "/webhooks/facebook",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
    )
    assert ok.status_code == 200 and ok.text == "42"
    wrong = client.get(
        "/webhooks/facebook",
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "42"},
    )
    assert wrong.status_code == 403 and "42" not in wrong.text


def test_a_signed_comment_is_screened_like_a_polled_one(client, configured, fb_post, with_model):
    body = payload(fb_post, "555_1", PHI)
    response = client.post("/webhooks/facebook", content=body, headers=signed(body))
    assert response.status_code == 200
    [comment] = stored()
    assert comment.remote_id == "555_1" and comment.parent_remote_id is None
    assert comment.status == ContentStatus.hidden
    with session_scope() as db:
        item = db.exec(select(Reviewable).where(Reviewable.target_id == comment.id)).one()
        assert item.kind == "channel_comment"


def test_an_unsigned_or_tampered_comment_is_refused_and_stores_nothing(client, configured, fb_post):
    body = payload(fb_post, "555_2", "Great news!")
    headers = {"Content-Type": "application/json"}
    assert client.post("/webhooks/facebook", content=body, headers=headers).status_code == 403
    tampered = body.replace(b"Great news!", b"Buy pills!!")
    response = client.post("/webhooks/facebook", content=tampered, headers=signed(body))
    assert response.status_code == 403
    wrong_key = client.post("/webhooks/facebook", content=body, headers=signed(body, "other"))
    assert wrong_key.status_code == 403
    assert stored() == []


def test_without_an_app_secret_every_payload_is_refused(client, fb_post):
    body = payload(fb_post, "555_3", "Great news!")
    assert client.post("/webhooks/facebook", content=body, headers=signed(body)).status_code == 403


def test_a_repeated_event_changes_nothing(client, configured, fb_post):
    body = payload(fb_post, "555_4", "Thanks, see you on Saturday")
    for _ in range(2):
        response = client.post("/webhooks/facebook", content=body, headers=signed(body))
        assert response.status_code == 200
    with session_scope() as db:
        assert len(stored()) == 1
        assert db.exec(select(Reviewable)).all() == []


def test_the_pages_own_replies_and_unknown_posts_are_ignored(client, configured, fb_post):
    own = payload(fb_post, "555_5", "We are open", author_id="1234")
    unknown = payload("1234_999", "999_1", "Hello")
    for body in (own, unknown):
        assert (
            client.post("/webhooks/facebook", content=body, headers=signed(body)).status_code == 200
        )
    assert stored() == []
