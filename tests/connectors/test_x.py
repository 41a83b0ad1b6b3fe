"""The X connector drives the real tweepy client; HTTP is intercepted with `responses`."""

import json
import time
import uuid
from datetime import UTC, datetime

import pytest
import requests
import responses

from connectors.base import ChannelError, Draft, ErrorKind, Media
from connectors.x import XConnector
from connectors.xtext import weighted_length

OAUTH1 = {
    "consumer_key": "ck",
    "consumer_secret": "cs",
    "access_token": "at",
    "access_token_secret": "ats",
}
TWEETS = "https://api.twitter.com/2/tweets"


def auth_header(call) -> str:
    value = call.request.headers["Authorization"]
    return value.decode() if isinstance(value, bytes) else value


@pytest.fixture
def x():
    return XConnector(OAUTH1)


@responses.activate
def test_publish_posts_the_text_signed_with_oauth1(x):
    responses.post(TWEETS, json={"data": {"id": "1850", "text": "Hola"}}, status=201)
    published = x.publish(Draft("Hola", link="https://example.org/gripe"))
    call = responses.calls[0]
    assert call.request.method == "POST" and call.request.url == TWEETS
    assert json.loads(call.request.body) == {"text": "Hola\nhttps://example.org/gripe"}
    assert (
        call.request.headers["Authorization"].startswith("OAuth ")
        and 'oauth_consumer_key="ck"' in call.request.headers["Authorization"]
    )
    assert published.remote_id == "1850" and published.url.endswith("/1850")


@responses.activate
def test_oauth2_user_token_is_sent_as_bearer():
    responses.post(TWEETS, json={"data": {"id": "7", "text": "x"}}, status=201)
    XConnector({"oauth2_access_token": "user-token"}).publish(Draft("x"))
    assert responses.calls[0].request.headers["Authorization"] == "Bearer user-token"


@responses.activate
def test_images_go_through_the_v2_chunked_upload_then_the_tweet(x):
    base = "https://api.x.com/2/media/upload"
    responses.post(
        f"{base}/initialize",
        json={"data": {"id": "m1", "media_key": "3_m1", "expires_after_secs": 86400}},
    )
    responses.post(f"{base}/m1/append", status=204)
    responses.post(f"{base}/m1/finalize", json={"data": {"id": "m1", "media_key": "3_m1"}})
    responses.post(TWEETS, json={"data": {"id": "9", "text": "foto"}}, status=201)
    x.publish(Draft("foto", media=(Media("a.png", "image/png", b"\x89PNG" + b"0" * 100),)))
    urls = [c.request.url for c in responses.calls]
    assert urls == [f"{base}/initialize", f"{base}/m1/append", f"{base}/m1/finalize", TWEETS]
    assert json.loads(responses.calls[0].request.body) == {
        "media_type": "image/png",
        "total_bytes": 104,
        "media_category": "tweet_image",
    }
    assert b'name="segment_index"' in responses.calls[1].request.body
    assert all(auth_header(c).startswith("OAuth ") for c in responses.calls)
    assert json.loads(responses.calls[3].request.body)["media"] == {"media_ids": ["m1"]}


@responses.activate
def test_429_is_retryable_at_the_reset_time(x):
    reset = int(time.time()) + 600
    responses.post(
        TWEETS,
        status=429,
        json={"title": "Too Many Requests"},
        headers={"x-rate-limit-reset": str(reset)},
    )
    with pytest.raises(ChannelError) as error:
        x.publish(Draft("hola"))
    assert (
        error.value.kind == ErrorKind.retryable
        and error.value.retry_at == datetime.fromtimestamp(reset, UTC)
    )


@responses.activate
def test_401_is_final_and_asks_to_reconnect(x):
    responses.post(TWEETS, status=401, json={"title": "Unauthorized", "detail": "Unauthorized"})
    with pytest.raises(ChannelError) as error:
        x.publish(Draft("hola"))
    assert (
        error.value.kind == ErrorKind.final
        and error.value.reconnect
        and "reconnect" in error.value.message
    )


@responses.activate
def test_duplicate_content_is_final(x):
    responses.post(
        TWEETS,
        status=403,
        json={
            "detail": "You are not allowed to create a Tweet with duplicate content.",
            "title": "Forbidden",
        },
    )
    with pytest.raises(ChannelError) as error:
        x.publish(Draft("hola"))
    assert error.value.kind == ErrorKind.final and "duplicate" in error.value.message


@responses.activate
def test_5xx_while_sending_is_an_unknown_outcome(x):
    responses.post(TWEETS, status=503, json={"title": "Service Unavailable"})
    with pytest.raises(ChannelError) as error:
        x.publish(Draft("hola"))
    assert error.value.kind == ErrorKind.unknown


@responses.activate
def test_timeout_is_an_unknown_outcome_and_refused_connection_is_retryable(x):
    responses.post(TWEETS, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(ChannelError) as error:
        x.publish(Draft("hola"))
    assert error.value.kind == ErrorKind.unknown
    responses.replace(
        responses.POST, TWEETS, body=requests.ConnectionError("[Errno 111] Connection refused")
    )
    with pytest.raises(ChannelError) as error:
        x.publish(Draft("hola"))
    assert error.value.kind == ErrorKind.retryable


@responses.activate
def test_find_published_returns_own_tweets_with_the_text_created_since_the_claim(x):
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={"data": {"id": "42", "name": "Clinica", "username": "clinica"}},
    )
    responses.get(
        "https://api.twitter.com/2/users/42/tweets",
        json={
            "data": [
                {
                    "id": "102",
                    "text": "Vacúnate https://t.co/xyz",
                    "created_at": "2026-11-23T07:00:00.000Z",
                    "edit_history_tweet_ids": ["102"],
                },
                {
                    "id": "100",
                    "text": "otra cosa",
                    "created_at": "2026-11-23T08:02:00.000Z",
                    "edit_history_tweet_ids": ["100"],
                },
                {
                    "id": "101",
                    "text": "Vacúnate https://t.co/abc",
                    "created_at": "2026-11-23T08:01:00.000Z",
                    "edit_history_tweet_ids": ["101"],
                },
            ]
        },
    )
    claimed_at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    found = x.find_published(Draft("Vacúnate", link="https://example.org"), claimed_at)
    # Tweet 102 has the text too, but it was posted before this delivery was claimed.
    assert [p.remote_id for p in found] == ["101"]
    assert found[0].created_at == datetime(2026, 11, 23, 8, 1, tzinfo=UTC)
    url = responses.calls[1].request.url
    assert "start_time=2026-11-23T07%3A59%3A00Z" in url and "tweet.fields=created_at" in url


@responses.activate
def test_metrics_and_test_connection(x):
    responses.get(
        "https://api.twitter.com/2/tweets/55",
        json={
            "data": {
                "id": "55",
                "text": "t",
                "edit_history_tweet_ids": ["55"],
                "public_metrics": {
                    "retweet_count": 2,
                    "reply_count": 1,
                    "like_count": 9,
                    "quote_count": 0,
                    "impression_count": 300,
                },
            }
        },
    )
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={"data": {"id": "42", "name": "C", "username": "clinica"}},
    )
    assert x.metrics("55")["like_count"] == 9
    assert "tweet.fields=public_metrics" in responses.calls[0].request.url
    assert x.test_connection() == "@clinica"


def test_validation_counts_like_x():
    x = XConnector(OAUTH1)
    assert weighted_length("https://example.org/" + "a" * 200) == 23
    assert x.validate(Draft("a" * 280)) == []
    problems = x.validate(Draft("a" * 281))
    assert problems and "281" in problems[0].message
    assert x.validate(Draft("日" * 141))[0].field == "text"
    assert (
        x.validate(Draft("ok", media=(Media("a.pdf", "application/pdf", b"x"),)))[0].field
        == "media"
    )


SEARCH = "https://api.twitter.com/2/tweets/search/recent"


@responses.activate
def test_replies_are_read_from_the_conversation_without_the_accounts_own():
    x = XConnector(OAUTH1 | {"user_id": "42"})
    page = {
        "data": [
            {
                "id": "1902",
                "edit_history_tweet_ids": ["1902"],
                "text": "@clinic gracias!",
                "author_id": "42",
                "created_at": "2026-11-23T09:02:00.000Z",
                "referenced_tweets": [{"type": "replied_to", "id": "1901"}],
            },
            {
                "id": "1901",
                "edit_history_tweet_ids": ["1901"],
                "text": "@clinic how much paracetamol for my 3 year old?",
                "author_id": "77",
                "created_at": "2026-11-23T09:01:00.000Z",
                "referenced_tweets": [{"type": "replied_to", "id": "1850"}],
            },
        ],
        "includes": {"users": [{"id": "77", "name": "Sam", "username": "sam_k"}]},
        "meta": {"result_count": 2},
    }
    responses.get(SEARCH, json=page)
    found = x.comments("1850", datetime.now(UTC))
    call = responses.calls[0]
    query = call.request.params
    assert query["query"] == "conversation_id:1850" and "start_time" in query
    assert "author_id" in query["tweet.fields"] and query["expansions"] == "author_id"
    assert auth_header(call).startswith("OAuth ")
    assert [(c.remote_id, c.author, c.parent_id) for c in found] == [("1901", "@sam_k", None)]


@responses.activate
def test_hiding_a_reply_uses_the_hidden_endpoint_and_a_reply_names_the_comment(x):
    responses.put(f"{TWEETS}/1901/hidden", json={"data": {"hidden": True}})
    responses.post(TWEETS, json={"data": {"id": "1903", "text": "…"}}, status=201)
    x.hide_comment("1901", True)
    published = x.reply("1901", "A clinician will answer here.")
    assert json.loads(responses.calls[0].request.body) == {"hidden": True}
    assert responses.calls[0].request.method == "PUT"
    assert json.loads(responses.calls[1].request.body) == {
        "text": "A clinician will answer here.",
        "reply": {"in_reply_to_tweet_id": "1901"},
    }
    assert published.remote_id == "1903"


@responses.activate
def test_two_connectors_of_one_account_spend_its_refresh_token_once():
    credentials = {
        "oauth2_access_token": "old",
        "oauth2_refresh_token": f"rt-shared-{uuid.uuid4().hex}",
        "oauth2_expires_at": str(time.time() + 30),
        "client_id": "client-123",
    }
    responses.post(
        "https://api.twitter.com/2/oauth2/token",
        json={"access_token": "new", "refresh_token": "rt-next", "expires_in": 7200},
    )
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={"data": {"id": "42", "name": "C", "username": "centro"}},
    )
    first, second = XConnector(credentials), XConnector(credentials)
    assert first.test_connection() == second.test_connection() == "@centro"
    renewals = [c for c in responses.calls if c.request.url.endswith("/oauth2/token")]
    assert len(renewals) == 1
    assert auth_header(responses.calls[-1]) == "Bearer new"
    # The one that renewed hands the new tokens to its caller to store; the other only uses them.
    assert first.refreshed["oauth2_refresh_token"] == "rt-next" and second.refreshed is None


@responses.activate
def test_find_replies_returns_own_answers_to_the_comment_without_the_leading_mentions(x):
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={"data": {"id": "42", "name": "Clinica", "username": "clinica"}},
    )
    responses.get(
        "https://api.twitter.com/2/users/42/tweets",
        json={
            "data": [
                {
                    "id": "303",
                    "text": "@ana Sí, de 9 a 14 h",
                    "referenced_tweets": [{"type": "replied_to", "id": "299"}],
                    "edit_history_tweet_ids": ["303"],
                },
                {
                    "id": "302",
                    "text": "@luisa Sí, de 9 a 14 h",
                    "referenced_tweets": [{"type": "replied_to", "id": "300"}],
                    "edit_history_tweet_ids": ["302"],
                },
            ]
        },
    )
    found = x.find_replies("300", "Sí, de 9 a 14 h", datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    assert [p.remote_id for p in found] == ["302"]  # 303 answers another comment
    assert "start_time=2026-11-23T07%3A59%3A00Z" in responses.calls[1].request.url


@responses.activate
def test_picture_url_asks_for_the_profile_image(x):
    picture = "https://pbs.twimg.com/profile_images/1/centro_normal.png"
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={
            "data": {"id": "42", "name": "C", "username": "centro", "profile_image_url": picture}
        },
    )
    assert x.picture_url() == picture
    assert "user.fields=profile_image_url" in responses.calls[0].request.url
