"""Channels: encrypted credentials, test connection, X OAuth 2.0 with PKCE, token refresh, metrics."""

import json
import time
import uuid
from urllib.parse import parse_qs, urlparse

import httpx
import responses
from sqlmodel import select

from app.accounts.models import Role
from app.channels import crypto
from app.channels.models import Channel, ChannelKind
from app.database import session_scope
from app.posts import linkcards
from app.posts.models import MetricSnapshot
from scheduler import metrics
from scheduler.dispatcher import tick

TWEETS = "https://api.twitter.com/2/tweets"
TOKEN = "https://api.twitter.com/2/oauth2/token"


def test_credentials_are_stored_encrypted(x_channel):
    with session_scope() as db:
        stored = db.get(Channel, x_channel.id).credentials_encrypted
    assert "ats" not in stored and "consumer" not in stored
    assert crypto.decrypt(stored)["access_token_secret"] == "ats"


@responses.activate
def test_test_connection_calls_x_and_shows_the_account(login_as, x_channel):
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={"data": {"id": "42", "name": "C", "username": "centro"}},
    )
    admin, _a, csrf = login_as(Role.admin)
    page = admin.post(
        f"/channels/{x_channel.id}/test", data={"csrf_token": csrf}, headers={"HX-Request": "true"}
    ).text
    assert "@centro" in page and "<html" not in page
    assert "ats" not in admin.get("/channels").text


@responses.activate
def test_test_connection_shows_a_revoked_token(login_as, fb_channel):
    responses.get(
        "https://graph.facebook.com/v25.0/me",
        status=400,
        json={
            "error": {
                "message": "Error validating access token",
                "type": "OAuthException",
                "code": 190,
            }
        },
    )
    admin, _a, csrf = login_as(Role.admin)
    page = admin.post(f"/channels/{fb_channel.id}/test", data={"csrf_token": csrf}).text
    assert "reconnect" in page


@responses.activate
def test_x_oauth2_pkce_connects_a_channel(login_as, monkeypatch):
    from app import settings

    monkeypatch.setenv("CAREPOST_X_CLIENT_ID", "client-123")
    settings.get_settings.cache_clear()
    admin, _a, csrf = login_as(Role.admin)
    start = admin.post("/channels/x/connect", data={"csrf_token": csrf, "name": "X centro"})
    assert start.status_code == 303
    authorize = urlparse(start.headers["location"])
    query = parse_qs(authorize.query)
    assert authorize.netloc == "twitter.com" and query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/channels/x/callback"]
    responses.post(
        TOKEN,
        json={
            "token_type": "bearer",
            "access_token": "user-at",
            "refresh_token": "user-rt",
            "expires_in": 7200,
            "scope": "tweet.read tweet.write users.read offline.access",
        },
    )
    done = admin.get(f"/channels/x/callback?state={query['state'][0]}&code=the-code")
    assert done.status_code == 303
    sent = parse_qs(responses.calls[0].request.body)
    assert (
        sent["code"] == ["the-code"]
        and sent["code_verifier"][0]
        and sent["grant_type"] == ["authorization_code"]
    )
    with session_scope() as db:
        channel = db.exec(select(Channel).where(Channel.name == "X centro")).one()
        assert crypto.decrypt(channel.credentials_encrypted)["oauth2_refresh_token"] == "user-rt"


def test_x_oauth2_callback_with_a_wrong_state_is_refused(login_as, monkeypatch):
    from app import settings

    monkeypatch.setenv("CAREPOST_X_CLIENT_ID", "client-123")
    settings.get_settings.cache_clear()
    admin, _a, csrf = login_as(Role.admin)
    admin.post("/channels/x/connect", data={"csrf_token": csrf})
    assert admin.get("/channels/x/callback?state=forged&code=x").status_code == 400


def test_x_oauth2_without_a_client_id_says_what_to_set(login_as):
    admin, _a, csrf = login_as(Role.admin)
    response = admin.post("/channels/x/connect", data={"csrf_token": csrf})
    assert response.status_code == 422 and "CAREPOST_X_CLIENT_ID" in response.text


@responses.activate
def test_expiring_oauth2_token_is_refreshed_before_publishing_and_kept(make_user, new_post):
    from app.channels import service as channels

    admin = make_user(Role.admin)
    with session_scope() as db:
        channel = channels.create(
            db=db,
            kind=ChannelKind.x,
            name="X oauth2",
            actor=admin,
            credentials={
                "oauth2_access_token": "old",
                # Unique, as every account's is: a spent one is remembered by the process.
                "oauth2_refresh_token": f"rt-1-{uuid.uuid4().hex}",
                "oauth2_expires_at": str(time.time() + 30),
                "client_id": "client-123",
            },
        )
    responses.post(TOKEN, json={"access_token": "new", "refresh_token": "rt-2", "expires_in": 7200})
    responses.post(TWEETS, json={"data": {"id": "5", "text": "hola"}}, status=201)
    new_post([channel])
    assert tick().published == 1
    assert responses.calls[1].request.headers["Authorization"] == "Bearer new"
    with session_scope() as db:
        kept = crypto.decrypt(db.get(Channel, channel.id).credentials_encrypted)
    assert kept["oauth2_access_token"] == "new" and kept["oauth2_refresh_token"] == "rt-2"


@responses.activate
def test_metrics_are_refreshed_for_published_posts(x_channel, new_post):
    responses.post(TWEETS, json={"data": {"id": "77", "text": "hola"}}, status=201)
    new_post([x_channel])
    tick()
    responses.get(
        "https://api.twitter.com/2/tweets/77",
        json={
            "data": {
                "id": "77",
                "text": "hola",
                "edit_history_tweet_ids": ["77"],
                "public_metrics": {
                    "like_count": 4,
                    "retweet_count": 1,
                    "reply_count": 0,
                    "quote_count": 0,
                },
            }
        },
    )
    assert metrics.refresh() == 1
    assert metrics.refresh() == 0  # fresh enough until the next interval
    with session_scope() as db:
        snapshot = db.exec(select(MetricSnapshot)).one()
    assert snapshot.values["like_count"] == 4
    assert json.loads(json.dumps(snapshot.values))["retweet_count"] == 1


def test_metrics_are_taken_for_every_post_of_a_channel_that_has_several(outbox, new_post):
    for text in ("Flu clinic on Saturday", "Blood tests from 8:00", "Closed on the 8th"):
        new_post([outbox], text=text)
    assert tick().published == 3
    assert metrics.refresh() == 3


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00"
    b"IEND\xaeB`\x82"
)


@responses.activate
def test_a_tested_facebook_page_shows_its_picture_in_the_preview(login_as, fb_channel):
    responses.get(
        "https://graph.facebook.com/v25.0/me",
        json={
            "id": "1234",
            "name": "Centro de Salud Norte",
            "picture": {"data": {"url": "https://scontent.example/p.png", "is_silhouette": False}},
        },
    )
    fetched = []

    def handler(request):
        fetched.append((request.headers["host"], request.url.path))  # pinned to the address
        return httpx.Response(200, content=PNG, headers={"content-type": "image/png"})

    linkcards.use(
        linkcards.CardFetcher(
            resolver=lambda host, port: ["93.184.215.14"], transport=httpx.MockTransport(handler)
        )
    )
    admin, _a, csrf = login_as(Role.admin)
    assert (
        admin.post(f"/channels/{fb_channel.id}/test", data={"csrf_token": csrf}).status_code < 400
    )
    fields = [parse_qs(urlparse(c.request.url).query).get("fields") for c in responses.calls]
    assert ["picture{url,is_silhouette}"] in fields
    assert fetched == [("scontent.example", "/p.png")]
    with session_scope() as db:
        assert db.get(Channel, fb_channel.id).picture.startswith("data:image/png;base64,")
    marketer, _m, csrf = login_as(Role.marketing)
    page = marketer.post(
        "/posts/preview",
        headers={"X-CSRF-Token": csrf},
        data={"text": "Hola", "channels": [str(fb_channel.id)]},
    ).text
    assert 'data-testid="account-picture"' in page and "data:image/png;base64," in page


@responses.activate
def test_a_page_with_facebooks_silhouette_or_a_private_address_keeps_the_initial(
    login_as, fb_channel
):
    responses.get(
        "https://graph.facebook.com/v25.0/me",
        json={"id": "1", "name": "Centro", "picture": {"data": {"url": "http://10.0.0.5/p.png"}}},
    )
    linkcards.use(linkcards.CardFetcher(resolver=lambda host, port: ["10.0.0.5"]))
    admin, _a, csrf = login_as(Role.admin)
    admin.post(f"/channels/{fb_channel.id}/test", data={"csrf_token": csrf})
    with session_scope() as db:
        assert db.get(Channel, fb_channel.id).picture is None  # a private address is refused
    marketer, _m, csrf = login_as(Role.marketing)
    page = marketer.post(
        "/posts/preview",
        headers={"X-CSRF-Token": csrf},
        data={"text": "Hola", "channels": [str(fb_channel.id)]},
    ).text
    assert 'data-testid="account-picture"' not in page and 'class="avatar"' in page
