"""The Facebook connector drives the real pyfacebook GraphAPI; HTTP is intercepted with `responses`."""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses

from connectors.base import ChannelError, Draft, ErrorKind, Media
from connectors.facebook import FacebookConnector

GRAPH = "https://graph.facebook.com/v25.0"
CREDS = {"page_id": "1234", "page_access_token": "page-token", "app_secret": "app-secret"}


def form(call) -> dict:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


@pytest.fixture
def fb():
    return FacebookConnector(CREDS)


@responses.activate
def test_publish_posts_message_and_link_to_the_page_feed_with_appsecret_proof(fb):
    responses.post(f"{GRAPH}/1234/feed", json={"id": "1234_999"})
    published = fb.publish(Draft("Campaña de gripe", link="https://example.org/gripe"))
    body = form(responses.calls[0])
    assert body["message"] == "Campaña de gripe" and body["link"] == "https://example.org/gripe"
    assert body["access_token"] == "page-token"
    assert (
        body["appsecret_proof"]
        == hmac.new(b"app-secret", b"page-token", hashlib.sha256).hexdigest()
    )
    assert (
        published.remote_id == "1234_999"
        and published.url == "https://www.facebook.com/1234/posts/999"
    )


@responses.activate
def test_graph_version_is_a_setting():
    responses.post("https://graph.facebook.com/v23.0/1234/feed", json={"id": "1234_1"})
    FacebookConnector(CREDS, version="v23.0").publish(Draft("hola"))
    assert responses.calls[0].request.url.startswith("https://graph.facebook.com/v23.0/")


@responses.activate
def test_no_appsecret_proof_without_an_app_secret():
    responses.post(f"{GRAPH}/1234/feed", json={"id": "1234_1"})
    FacebookConnector({"page_id": "1234", "page_access_token": "t"}).publish(Draft("hola"))
    assert "appsecret_proof" not in form(responses.calls[0])


@responses.activate
def test_one_image_is_posted_as_a_photo_with_its_caption(fb):
    responses.post(f"{GRAPH}/1234/photos", json={"id": "555", "post_id": "1234_556"})
    published = fb.publish(Draft("foto", media=(Media("a.jpg", "image/jpeg", b"\xff\xd8jpeg"),)))
    body = responses.calls[0].request.body
    assert b'name="source"; filename="a.jpg"' in body and b"foto" in body
    assert published.remote_id == "1234_556"


@responses.activate
def test_several_images_are_uploaded_unpublished_then_attached(fb):
    responses.post(f"{GRAPH}/1234/photos", json={"id": "p1"})
    responses.post(f"{GRAPH}/1234/photos", json={"id": "p2"})
    responses.post(f"{GRAPH}/1234/feed", json={"id": "1234_3"})
    media = tuple(Media(f"{n}.png", "image/png", b"png") for n in "ab")
    fb.publish(Draft("dos fotos", media=media))
    feed = form(responses.calls[2])
    assert json.loads(feed["attached_media[0]"]) == {"media_fbid": "p1"}
    assert json.loads(feed["attached_media[1]"]) == {"media_fbid": "p2"}


@pytest.mark.parametrize(
    ("code", "kind", "reconnect"),
    [
        (190, ErrorKind.final, True),
        (200, ErrorKind.final, True),
        (4, ErrorKind.retryable, False),
        (32, ErrorKind.retryable, False),
        (506, ErrorKind.final, False),
        (2, ErrorKind.unknown, False),
        (100, ErrorKind.final, False),
    ],
)
@responses.activate
def test_graph_errors_are_classified(fb, code, kind, reconnect):
    responses.post(
        f"{GRAPH}/1234/feed",
        status=400 if code != 2 else 500,
        json={"error": {"message": "x", "type": "OAuthException", "code": code, "fbtrace_id": "A"}},
    )
    with pytest.raises(ChannelError) as error:
        fb.publish(Draft("hola"))
    assert (error.value.kind, error.value.reconnect) == (kind, reconnect)


@responses.activate
def test_an_html_error_page_while_sending_is_an_unknown_outcome(fb):
    responses.post(
        f"{GRAPH}/1234/feed", status=502, body="<html>Bad gateway</html>", content_type="text/html"
    )
    with pytest.raises(ChannelError) as error:
        fb.publish(Draft("hola"))
    assert error.value.kind == ErrorKind.unknown


@responses.activate
def test_timeout_is_an_unknown_outcome(fb):
    responses.post(f"{GRAPH}/1234/feed", body=requests.ReadTimeout("timed out"))
    with pytest.raises(ChannelError) as error:
        fb.publish(Draft("hola"))
    assert error.value.kind == ErrorKind.unknown


@responses.activate
def test_usage_headers_over_90_percent_ask_for_a_pause(fb):
    responses.post(
        f"{GRAPH}/1234/feed",
        json={"id": "1234_1"},
        headers={
            "X-App-Usage": json.dumps({"call_count": 95, "total_time": 10, "total_cputime": 5})
        },
    )
    fb.publish(Draft("hola"))
    assert fb.usage_percent() == 95 and fb.backoff_until() is not None


@responses.activate
def test_find_published_returns_the_page_posts_with_the_text_created_since_the_claim(fb):
    responses.get(
        f"{GRAPH}/1234/posts",
        json={
            "data": [
                {"id": "1234_8", "message": "otra", "created_time": "2026-11-23T08:00:00+0000"},
                {
                    "id": "1234_9",
                    "message": "Campaña de gripe",
                    "created_time": "2026-11-23T08:01:00+0000",
                },
                {
                    "id": "1234_7",
                    "message": "Campaña de gripe",
                    "created_time": "2026-11-23T07:00:00+0000",
                },
            ]
        },
    )
    claimed_at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    found = fb.find_published(Draft("Campaña de gripe", link="https://example.org"), claimed_at)
    # The 07:00 post with the same text was there before the claim: it is someone else's.
    assert [(p.remote_id, p.created_at) for p in found] == [
        ("1234_9", datetime(2026, 11, 23, 8, 1, tzinfo=UTC))
    ]
    query = parse_qs(urlparse(responses.calls[0].request.url).query)
    assert "since" in query and query["fields"] == ["id,message,created_time"]


@responses.activate
def test_metrics_and_test_connection(fb):
    responses.get(
        f"{GRAPH}/1234_9",
        json={
            "id": "1234_9",
            "reactions": {"data": [], "summary": {"total_count": 12}},
            "comments": {"data": [], "summary": {"total_count": 3}},
            "shares": {"count": 4},
        },
    )
    responses.get(f"{GRAPH}/me", json={"id": "1234", "name": "Centro de Salud Norte"})
    assert fb.metrics("1234_9") == {"reactions": 12, "comments": 3, "shares": 4}
    assert fb.test_connection() == "Centro de Salud Norte"


@responses.activate
def test_comments_are_read_from_the_post_edge_page_by_page_without_the_pages_own(fb):
    first = {
        "data": [
            {
                "id": "999_1",
                "message": "¿Hay que pedir cita para la vacuna?",
                "from": {"id": "55", "name": "Lucía P."},
                "created_time": "2026-11-23T09:00:00+0000",
            },
            {
                "id": "999_2",
                "message": "Sí, llame al centro",
                "from": {"id": "1234", "name": "Centro de Salud"},
                "created_time": "2026-11-23T09:05:00+0000",
                "parent": {"id": "999_1"},
            },
        ],
        "paging": {"cursors": {"after": "CUR1"}, "next": f"{GRAPH}/1234_999/comments?after=CUR1"},
    }
    second = {
        "data": [
            {
                "id": "999_3",
                "message": "Gracias",
                "from": {"id": "55", "name": "Lucía P."},
                "created_time": "2026-11-23T09:10:00+0000",
                "parent": {"id": "999_1"},
            }
        ],
        "paging": {"cursors": {"after": "CUR2"}},
    }
    responses.get(f"{GRAPH}/1234_999/comments", json=first)
    responses.get(f"{GRAPH}/1234_999/comments", json=second)
    since = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    found = fb.comments("1234_999", since)
    query = {k: v[0] for k, v in parse_qs(urlparse(responses.calls[0].request.url).query).items()}
    assert query["filter"] == "stream" and query["order"] == "chronological"
    assert query["since"] == str(int(since.timestamp())) and query["access_token"] == "page-token"
    assert "from{id,name}" in query["fields"] and "message" in query["fields"]
    assert "after=CUR1" in responses.calls[1].request.url
    assert [(c.remote_id, c.author, c.parent_id) for c in found] == [
        ("999_1", "Lucía P.", None),
        ("999_3", "Lucía P.", "999_1"),
    ]
    assert found[0].created_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@responses.activate
def test_hiding_a_comment_sets_is_hidden_and_a_reply_goes_under_the_comment(fb):
    responses.post(f"{GRAPH}/999_1", json={"success": True})
    responses.post(f"{GRAPH}/999_1/comments", json={"id": "999_7"})
    fb.hide_comment("999_1", True)
    fb.hide_comment("999_1", False)
    published = fb.reply("999_1", "Un clínico le responde: llame al 112.")
    assert form(responses.calls[0])["is_hidden"] == "true"
    assert form(responses.calls[1])["is_hidden"] == "false"
    body = form(responses.calls[2])
    assert body["message"] == "Un clínico le responde: llame al 112."
    assert body["access_token"] == "page-token" and "appsecret_proof" in body
    assert published.remote_id == "999_7"


@responses.activate
def test_a_reply_that_times_out_is_an_unknown_outcome(fb):
    responses.post(f"{GRAPH}/999_1/comments", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(ChannelError) as caught:
        fb.reply("999_1", "hola")
    assert caught.value.kind == ErrorKind.unknown


@responses.activate
def test_find_replies_returns_the_page_answers_to_the_comment_with_the_text(fb):
    responses.get(
        f"{GRAPH}/1234_9_55/comments",
        json={
            "data": [
                {
                    "id": "1234_9_57",
                    "message": "Sí, de 9 a 14 h",
                    "from": {"id": "777"},  # a follower repeating the answer
                    "created_time": "2026-11-23T08:02:00+0000",
                },
                {
                    "id": "1234_9_56",
                    "message": "Sí, de 9 a 14 h",
                    "from": {"id": "1234"},
                    "created_time": "2026-11-23T08:01:00+0000",
                },
            ]
        },
    )
    claimed_at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    found = fb.find_replies("1234_9_55", "Sí, de 9 a 14 h", claimed_at)
    assert [p.remote_id for p in found] == ["1234_9_56"]
    assert "since" in parse_qs(urlparse(responses.calls[0].request.url).query)
