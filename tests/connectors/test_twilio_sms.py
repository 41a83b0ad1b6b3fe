"""The Twilio adapter drives the official SDK; HTTP is intercepted and each request checked exactly."""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from connectors.base import ErrorKind
from connectors.sms import OutgoingSms, SmsError
from connectors.twilio_sms import TwilioSmsConnector

SID = "AC" + "0" * 32
MESSAGES = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
CALLBACK = "https://clinic.example/webhooks/twilio/status"
SMS = OutgoingSms(
    to="+34600111222",
    body="Recordatorio: cita el 25/11 a las 10:00. Responda SI o CAMBIAR.",
    reference="7",
)


def message_json(
    sid="SM" + "1" * 32,
    status="queued",
    body=SMS.body,
    to=SMS.to,
    created="Tue, 24 Nov 2026 10:00:00 +0000",
):
    return {
        "sid": sid,
        "account_sid": SID,
        "to": to,
        "from": "+34911000000",
        "body": body,
        "status": status,
        "direction": "outbound-api",
        "date_created": created,
        "date_sent": created,
        "num_segments": "1",
    }


def connector(**options):
    options.setdefault("messaging_service_sid", "MG" + "2" * 32)
    return TwilioSmsConnector(SID, "auth-token", status_callback=CALLBACK, **options)


def form_of(call) -> dict[str, list[str]]:
    return parse_qs(call.request.body)


@responses.activate
def test_send_posts_the_exact_request_with_a_messaging_service():
    responses.post(MESSAGES, json=message_json(), status=201)
    sent = connector().send(SMS)
    assert sent.remote_id == "SM" + "1" * 32 and sent.status == "queued"
    call = responses.calls[0]
    assert urlsplit(call.request.url).path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert form_of(call) == {
        "To": [SMS.to],
        "Body": [SMS.body],
        "MessagingServiceSid": ["MG" + "2" * 32],
        "StatusCallback": [CALLBACK + "?ref=7"],  # carepost's id of the message
    }
    assert call.request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_send_uses_from_when_there_is_no_messaging_service():
    responses.post(MESSAGES, json=message_json(), status=201)
    connector(messaging_service_sid=None, from_number="+34911000000").send(SMS)
    fields = form_of(responses.calls[0])
    assert fields["From"] == ["+34911000000"] and "MessagingServiceSid" not in fields


def twilio_error(status: int, code: int):
    return {
        "code": code,
        "message": "refused",
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@pytest.mark.parametrize(
    ("status", "code", "kind", "opt_out", "undeliverable"),
    [
        (400, 21610, ErrorKind.final, True, False),  # replied STOP: never again
        (400, 21211, ErrorKind.final, False, True),  # not a valid number
        (400, 21614, ErrorKind.final, False, True),  # not a mobile
        (401, 20003, ErrorKind.final, False, False),
        (429, 20429, ErrorKind.retryable, False, False),
        (503, 20503, ErrorKind.retryable, False, False),
        (500, 20500, ErrorKind.unknown, False, False),  # may have been created: look it up
        (502, 20502, ErrorKind.unknown, False, False),
    ],
)
@responses.activate
def test_twilio_errors_are_classified(status, code, kind, opt_out, undeliverable):
    responses.post(MESSAGES, json=twilio_error(status, code), status=status)
    with pytest.raises(SmsError) as caught:
        connector().send(SMS)
    error = caught.value
    assert (error.kind, error.opt_out, error.undeliverable, error.code) == (
        kind,
        opt_out,
        undeliverable,
        str(code),
    )
    assert SMS.to not in error.message and SMS.body not in error.message


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (
            requests.ConnectionError(
                "Failed to establish a new connection: [Errno 111] Connection refused"
            ),
            ErrorKind.retryable,
        ),
        (requests.ConnectTimeout("connect timed out"), ErrorKind.retryable),
        (requests.ReadTimeout("read timed out"), ErrorKind.unknown),
    ],
)
@responses.activate
def test_transport_failures_are_classified(failure, kind):
    responses.post(MESSAGES, body=failure)
    with pytest.raises(Exception) as caught:
        connector().send(SMS)
    assert caught.value.kind == kind


@responses.activate
def test_find_sent_lists_messages_to_the_number_since_the_claim_and_matches_the_body():
    other = message_json(sid="SM" + "3" * 32, body="Otro mensaje")
    mine = message_json(sid="SM" + "4" * 32, status="delivered", body=SMS.body.replace(" ", "  "))
    responses.get(
        MESSAGES,
        json={
            "messages": [other, mine],
            "next_page_uri": None,
            "page": 0,
            "page_size": 50,
            "uri": "/x",
        },
    )
    since = datetime(2026, 11, 24, 9, 59, tzinfo=UTC)
    found = connector().find_sent(SMS, since)
    assert found is not None and found.remote_id == "SM" + "4" * 32 and found.status == "delivered"
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert query["To"] == [SMS.to]
    assert query["DateSent>"][0].startswith("2026-11-24T09:57:00")


@responses.activate
def test_find_sent_ignores_older_messages_and_other_bodies():
    old = message_json(created="Mon, 23 Nov 2026 08:00:00 +0000")
    different = message_json(body="Recordatorio distinto")
    responses.get(
        MESSAGES,
        json={
            "messages": [old, different],
            "next_page_uri": None,
            "page": 0,
            "page_size": 50,
            "uri": "/x",
        },
    )
    assert connector().find_sent(SMS, datetime(2026, 11, 24, 9, 59, tzinfo=UTC)) is None


def test_a_sender_is_required():
    with pytest.raises(ValueError):
        TwilioSmsConnector(SID, "auth-token")
