"""Every caller of a channel goes through one gateway: renewed tokens are kept whoever renewed them,
a throttled channel is left alone, and a refusal changes the channel's state once."""

import time
import uuid

import pytest
import responses
from sqlalchemy import update
from sqlmodel import select

from app.accounts.models import Role
from app.channels import crypto, gateway
from app.channels import service as channels
from app.channels.models import Channel, ChannelKind, ChannelStatus
from app.clock import utcnow
from app.database import session_scope
from app.posts import comments
from app.posts.models import (
    CommentReply,
    Delivery,
    DeliveryStatus,
    InboundComment,
    Post,
    PostStatus,
)
from app.review.models import ContentStatus
from connectors.base import ChannelError
from scheduler import metrics
from scheduler.dispatcher import tick

API = "https://api.twitter.com/2"
TOKEN = f"{API}/oauth2/token"
ME = {"data": {"id": "42", "name": "Centro", "username": "centro"}}


def expiring_credentials(refresh_token: str | None = None, expires_in: float = 30) -> dict:
    # Refresh tokens are unique: each test's own, as each account's is.
    refresh_token = refresh_token or f"rt-1-{uuid.uuid4().hex}"
    return {
        "oauth2_access_token": f"access-{refresh_token}",
        "oauth2_refresh_token": refresh_token,
        "oauth2_expires_at": str(time.time() + expires_in),
        "client_id": "client-123",
    }


@pytest.fixture
def x_oauth2(make_user):
    """An X channel connected with OAuth 2.0 whose access token is about to expire."""
    admin = make_user(Role.admin)
    with session_scope() as db:
        return channels.create(
            db=db,
            kind=ChannelKind.x,
            name="X oauth2",
            actor=admin,
            credentials=expiring_credentials(),
        )


@pytest.fixture
def published_tweet(x_oauth2, marketer):
    """A post published on the channel as tweet 500, with a comment (tweet 901) read from it."""
    with session_scope() as db:
        post = Post(author_id=marketer.id, text="Vacúnate", status=PostStatus.done)
        db.add(post)
        db.flush()
        delivery = Delivery(
            post_id=post.id,
            channel_id=x_oauth2.id,
            due_at=utcnow(),
            status=DeliveryStatus.published,
            remote_id="500",
            sent_at=utcnow(),
        )
        db.add(delivery)
        db.flush()
        comment = InboundComment(
            delivery_id=delivery.id, channel_id=x_oauth2.id, remote_id="901", text="gracias"
        )
        db.add(comment)
        db.flush()
        return {"post_id": post.id, "delivery_id": delivery.id, "comment_id": comment.id}


def stored_credentials(channel_id: int) -> dict:
    with session_scope() as db:
        return crypto.decrypt(db.get(Channel, channel_id).credentials_encrypted)


def channel_row(channel_id: int) -> Channel:
    with session_scope() as db:
        return db.get(Channel, channel_id)


def renewal_answers() -> None:
    responses.post(
        TOKEN, json={"access_token": "access-rt-2", "refresh_token": "rt-2", "expires_in": 7200}
    )


def run_dispatcher(channel, _ids, new_post, _login_as) -> None:
    responses.post(f"{API}/tweets", json={"data": {"id": "7", "text": "hola"}}, status=201)
    new_post([channel])
    assert tick().published == 1


def run_comments(channel, _ids, _new_post, _login_as) -> None:
    responses.get(f"{API}/users/me", json=ME)
    responses.get(f"{API}/tweets/search/recent", json={"meta": {"result_count": 0}})
    assert comments.fetch().checked == 1


def run_replies(channel, ids, _new_post, _login_as) -> None:
    with session_scope() as db:
        db.add(CommentReply(comment_id=ids["comment_id"], text="Gracias a ti"))
    responses.post(f"{API}/tweets", json={"data": {"id": "8", "text": "x"}}, status=201)
    assert comments.send_replies().replied == 1


def run_hiding(channel, ids, _new_post, _login_as) -> None:
    with session_scope() as db:
        db.exec(
            update(InboundComment)
            .where(InboundComment.id == ids["comment_id"])
            .values(status=ContentStatus.hidden)
        )
    responses.put(f"{API}/tweets/901/hidden", json={"data": {"hidden": True}})
    assert comments.sync_visibility().synced == 1


def run_metrics(channel, _ids, _new_post, _login_as) -> None:
    responses.get(
        f"{API}/tweets/500",
        json={
            "data": {
                "id": "500",
                "text": "t",
                "edit_history_tweet_ids": ["500"],
                "public_metrics": {"like_count": 3},
            }
        },
    )
    assert metrics.refresh() == 1


def run_test_button(channel, _ids, _new_post, login_as) -> None:
    responses.get(f"{API}/users/me", json=ME)
    admin, _a, csrf = login_as(Role.admin)
    page = admin.post(f"/channels/{channel.id}/test", data={"csrf_token": csrf}).text
    assert "@centro" in page


@pytest.mark.parametrize(
    "caller",
    [run_dispatcher, run_comments, run_replies, run_hiding, run_metrics, run_test_button],
    ids=["dispatcher", "comments", "replies", "hiding", "metrics", "test-button"],
)
@responses.activate
def test_a_token_renewed_by_any_caller_is_stored_and_used_by_the_next(
    caller, x_oauth2, published_tweet, new_post, login_as
):
    stale = channel_row(x_oauth2.id)  # read before the renewal, as a batch or a page does
    renewal_answers()
    caller(x_oauth2, published_tweet, new_post, login_as)

    kept = stored_credentials(x_oauth2.id)
    assert kept["oauth2_refresh_token"] == "rt-2" and kept["oauth2_access_token"] == "access-rt-2"
    # A caller still holding the row read before the renewal uses the renewed token: the spent
    # refresh token is never sent again.
    responses.get(f"{API}/users/me", json=ME)
    assert gateway.call(stale, lambda c: c.test_connection()) == "@centro"
    renewals = [c for c in responses.calls if c.request.url == TOKEN]
    assert len(renewals) == 1
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer access-rt-2"
    assert channel_row(x_oauth2.id).status == ChannelStatus.active


@responses.activate
def test_a_token_renewed_by_another_process_is_used_instead_of_giving_up(x_oauth2):
    stale = channel_row(x_oauth2.id)
    # Another process renewed the token first: rt-1 is spent, rt-2 is stored.
    with session_scope() as db:
        db.exec(
            update(Channel)
            .where(Channel.id == x_oauth2.id)
            .values(
                credentials_encrypted=crypto.encrypt(expiring_credentials("rt-2", expires_in=7200)),
            )
        )
    responses.post(TOKEN, status=400, json={"error": "invalid_request"})
    responses.get(f"{API}/users/me", json=ME)

    assert gateway.call(stale, lambda c: c.test_connection()) == "@centro"
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer access-rt-2"
    assert channel_row(x_oauth2.id).status == ChannelStatus.active


@responses.activate
def test_a_refused_renewal_asks_for_a_reconnect_once(x_oauth2):
    responses.post(TOKEN, status=400, json={"error": "invalid_request"})
    with pytest.raises(ChannelError) as refused:
        gateway.call(channel_row(x_oauth2.id), lambda c: c.test_connection())
    assert refused.value.reconnect
    row = channel_row(x_oauth2.id)
    assert row.status == ChannelStatus.reconnect_needed and "reconnect" in row.status_reason


@responses.activate
def test_a_rate_limit_met_by_the_comments_job_holds_every_caller_of_the_channel(
    x_channel, new_post, marketer
):
    reset = int(time.time()) + 900
    responses.post(f"{API}/tweets", json={"data": {"id": "600", "text": "hola"}}, status=201)
    new_post([x_channel])
    assert tick().published == 1
    responses.get(f"{API}/users/me", json=ME)
    responses.get(
        f"{API}/tweets/search/recent",
        status=429,
        json={"title": "Too Many Requests"},
        headers={"x-rate-limit-reset": str(reset)},
    )
    assert comments.fetch().errors == 1
    assert channel_row(x_channel.id).throttled_until.timestamp() == reset

    calls = len(responses.calls)
    post_id = new_post([x_channel])
    assert tick().claimed == 0  # the dispatcher waits for the reset too
    with pytest.raises(ChannelError) as held:
        gateway.call(channel_row(x_channel.id), lambda c: c.metrics("600"))
    assert held.value.code == "throttled" and len(responses.calls) == calls
    with session_scope() as db:
        delivery = db.exec(select(Delivery).where(Delivery.post_id == post_id)).one()
        assert delivery.status == DeliveryStatus.pending and delivery.attempts == 0


def test_unreadable_credentials_ask_for_a_reconnect_from_any_caller(x_channel):
    with session_scope() as db:
        db.exec(
            update(Channel)
            .where(Channel.id == x_channel.id)
            .values(credentials_encrypted="not-a-token")
        )
    with pytest.raises(ChannelError) as refused:
        gateway.call(channel_row(x_channel.id), lambda c: c.metrics("1"))
    assert refused.value.code == "credentials"
    assert channel_row(x_channel.id).status == ChannelStatus.reconnect_needed
