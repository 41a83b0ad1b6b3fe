"""The Twilio voice adapter drives the official SDK; HTTP is intercepted and each request checked exactly."""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from connectors.base import ErrorKind
from connectors.twilio_voice import TwilioVoiceConnector
from connectors.voice import OutgoingCall, moves_forward

SID = "AC" + "0" * 32
CALLS = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Calls.json"
CALL = OutgoingCall(
    to="+34600111222",
    url="https://clinic.example/webhooks/twilio/voice/7/answer",
    status_callback="https://clinic.example/webhooks/twilio/voice/7/status",
    machine_detection="Enable",
)


def call_json(sid="CA" + "1" * 32, status="queued", created="Tue, 24 Nov 2026 10:00:00 +0000"):
    return {
        "sid": sid,
        "account_sid": SID,
        "to": CALL.to,
        "from": "+34911000000",
        "status": status,
        "direction": "outbound-api",
        "date_created": created,
    }


def connector() -> TwilioVoiceConnector:
    return TwilioVoiceConnector(SID, "auth-token", from_number="+34911000000")


@responses.activate
def test_place_posts_the_exact_request():
    responses.post(CALLS, json=call_json(), status=201)
    placed = connector().place(CALL)
    assert placed.remote_id == "CA" + "1" * 32 and placed.status == "queued"
    request = responses.calls[0].request
    assert urlsplit(request.url).path == f"/2010-04-01/Accounts/{SID}/Calls.json"
    assert parse_qs(request.body) == {
        "To": [CALL.to],
        "From": ["+34911000000"],
        "Url": [CALL.url],
        "StatusCallback": [CALL.status_callback],
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        "MachineDetection": ["Enable"],
    }
    assert request.headers["Authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (429, 20429, ErrorKind.retryable),
        (503, None, ErrorKind.retryable),
        (500, None, ErrorKind.unknown),
        (400, 21211, ErrorKind.final),
        (401, 20003, ErrorKind.final),
        (400, 21210, ErrorKind.final),
    ],
)
@responses.activate
def test_errors_are_classified_retryable_unknown_or_final(status, code, kind):
    body = {"status": status, "message": "refused"}
    if code:
        body["code"] = code
    responses.post(CALLS, json=body, status=status)
    with pytest.raises(Exception) as raised:
        connector().place(CALL)
    assert raised.value.kind == kind


@responses.activate
def test_a_dropped_connection_is_an_unknown_outcome():
    responses.post(CALLS, body=requests.ConnectionError("reset by peer"))
    with pytest.raises(Exception) as raised:
        connector().place(CALL)
    assert raised.value.kind == ErrorKind.unknown


@responses.activate
def test_find_placed_lists_calls_to_the_number_since_the_claim():
    responses.get(
        CALLS,
        json={
            "calls": [
                call_json("CA" + "2" * 32, "ringing", "Tue, 24 Nov 2026 10:05:00 +0000"),
                call_json("CA" + "3" * 32, "completed", "Mon, 23 Nov 2026 09:00:00 +0000"),
            ],
            "next_page_uri": None,
        },
    )
    found = connector().find_placed(CALL, since=datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    assert [c.remote_id for c in found] == ["CA" + "2" * 32]
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert query["To"] == [CALL.to] and query["From"] == ["+34911000000"]


def test_call_statuses_only_move_forward():
    assert moves_forward(None, "queued")
    assert moves_forward("ringing", "in-progress")
    assert moves_forward("in-progress", "completed")
    assert not moves_forward("completed", "ringing")
    assert not moves_forward("busy", "no-answer")
    assert not moves_forward("queued", "bogus")
