"""The Twilio adapter's async path (the SDK's async client on aiohttp) sends the same exact request
as the blocking one and classifies failures the same way; an SDK failure without an HTTP answer is
an unknown outcome on both paths."""

import json
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
import responses
from twilio.base.exceptions import TwilioException

from app.delivery import pipeline
from connectors.base import ChannelError, ErrorKind
from connectors.twilio_sms import PooledAsyncHttpClient, TwilioSmsConnector
from tests.connectors.test_twilio_sms import CALLBACK, MESSAGES, SID, SMS, message_json


class Answer:
    """What the fake session's request answers, as aiohttp's response does."""

    def __init__(self, status: int, body: dict):
        self.status, self.body, self.headers = status, json.dumps(body), {}

    async def text(self) -> str:
        return self.body

    async def __aenter__(self):
        return self

    async def __aexit__(self, *_exc):
        return False


class FakeSession:
    """Stands in for aiohttp's session: records each request and answers `answer` (or raises it)."""

    def __init__(self, answer):
        self.answer, self.calls = answer, []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer

    async def close(self):
        pass


def send_through(answer, **options) -> tuple[object, FakeSession]:
    """Send SMS with the async path; returns what came back (or the error) and the session."""

    async def go():
        http = PooledAsyncHttpClient(connections=4, timeout=5)
        await http.session.close()
        http.session = FakeSession(answer)
        options.setdefault("messaging_service_sid", "MG" + "2" * 32)
        connector = TwilioSmsConnector(
            SID, "auth-token", status_callback=CALLBACK, async_http_client=http, **options
        )
        try:
            return await connector.send_async(SMS), http.session
        except ChannelError as error:
            return error, http.session
        finally:
            await connector.close_async()

    # In a thread of its own: an event loop left running by an earlier test must not matter.
    return pipeline.run(go())


def test_send_async_posts_the_exact_request():
    sent, session = send_through(Answer(201, message_json()))
    assert sent.remote_id == "SM" + "1" * 32 and sent.status == "queued"
    [(method, url, options)] = session.calls
    assert method == "POST"
    assert urlsplit(url).path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert parse_qs(options["data"]) == {
        "To": [SMS.to],
        "Body": [SMS.body],
        "MessagingServiceSid": ["MG" + "2" * 32],
        "StatusCallback": [CALLBACK + "?ref=7"],
    }
    assert options["headers"]["Authorization"].startswith("Basic ")
    assert options["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert options["timeout"].total == 5


def test_send_async_uses_from_when_there_is_no_messaging_service():
    _sent, session = send_through(
        Answer(201, message_json()), messaging_service_sid=None, from_number="+34911000000"
    )
    fields = parse_qs(session.calls[0][2]["data"])
    assert fields["From"] == ["+34911000000"] and "MessagingServiceSid" not in fields


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, 21610, ErrorKind.final),
        (429, 20429, ErrorKind.retryable),
        (500, 20500, ErrorKind.unknown),
    ],
)
def test_send_async_classifies_twilio_errors_like_the_blocking_path(status, code, kind):
    body = {"code": code, "message": "refused", "status": status}
    error, _session = send_through(Answer(status, body))
    assert (error.kind, error.code) == (kind, str(code))
    assert SMS.to not in error.message and SMS.body not in error.message


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (
            aiohttp.ClientConnectorError(None, OSError(111, "Connection refused")),
            ErrorKind.retryable,
        ),
        (aiohttp.ConnectionTimeoutError(), ErrorKind.retryable),
        (TimeoutError(), ErrorKind.unknown),  # the request may have arrived
        (aiohttp.ServerDisconnectedError(), ErrorKind.unknown),
    ],
)
def test_send_async_classifies_transport_failures(failure, kind):
    error, _session = send_through(failure)
    assert error.kind == kind


def test_an_sdk_failure_without_an_http_answer_is_an_unknown_outcome_when_sending_async():
    error, _session = send_through(TwilioException("Page Records can not be deserialized"))
    assert error.kind == ErrorKind.unknown  # looked up before any resend


class Unreadable:
    """A blocking HTTP client under the SDK that fails without an answer, as the SDK itself may."""

    def request(self, *_args, **_kwargs):
        raise TwilioException("the answer could not be read")


@responses.activate
def test_an_sdk_failure_without_an_http_answer_is_an_unknown_outcome():
    connector = TwilioSmsConnector(
        SID, "auth-token", messaging_service_sid="MG" + "2" * 32, http_client=Unreadable()
    )
    with pytest.raises(ChannelError) as caught:
        connector.send(SMS)
    assert caught.value.kind == ErrorKind.unknown
    assert not [call for call in responses.calls if call.request.url == MESSAGES]
