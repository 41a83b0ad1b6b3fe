"""Twilio Programmable Messaging through the official SDK: send, look up, classify errors."""

import asyncio
import base64
import logging
from datetime import datetime, timedelta
from urllib.parse import quote_plus, urlencode

import aiohttp
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.base.version import Version
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

try:  # an optional dependency: parses Twilio's answers several times faster
    from orjson import loads
except ImportError:  # pragma: no cover - the standard library's parser answers the same
    from json import loads

from connectors.base import ChannelError, ErrorKind, transport_error
from connectors.sms import OutgoingSms, SentSms, SmsError, same_body

# The SDK logs every request's URL and query (a patient's number when listing) at INFO.
logging.getLogger("twilio").setLevel(logging.WARNING)

NAME = "Twilio"
OPT_OUT = "21610"  # the recipient replied STOP: Twilio refuses every later message to them
# The number can never receive an SMS: invalid, not a mobile, or unknown to the network.
UNDELIVERABLE = frozenset({"21211", "21614", "21612", "30005", "30006"})
REFUSED = frozenset({"21408", "21606", "21617", "21602", "21603", "21604", "21621"})
CLOCK_SKEW = timedelta(minutes=2)
# `messages.create`'s arguments as the SDK names them in the request's form.
FORM_NAMES = {
    "to": "To",
    "body": "Body",
    "messaging_service_sid": "MessagingServiceSid",
    "from_": "From",
    "status_callback": "StatusCallback",
}


def classify(error: TwilioRestException) -> ChannelError:
    """One ChannelError per Twilio answer: what may be retried, looked up, or never sent again."""
    code = str(error.code) if error.code is not None else None
    status = error.status
    if code == OPT_OUT:
        return SmsError(
            ErrorKind.final,
            "the recipient has opted out of SMS from this number (replied STOP)",
            code=code,
            opt_out=True,
        )
    if code in UNDELIVERABLE:
        return SmsError(
            ErrorKind.final, "the number cannot receive SMS", code=code, undeliverable=True
        )
    if status in (401, 403) or code == "20003":
        return SmsError(
            ErrorKind.final,
            "Twilio refused the account's credentials; an administrator must check them",
            code=code,
            reconnect=True,
        )
    if status == 429 or code == "20429":
        return SmsError(
            ErrorKind.retryable, "Twilio is rate limiting; carepost will try again", code=code
        )
    if status == 503:
        return SmsError(
            ErrorKind.retryable,
            "Twilio is unavailable for a moment; carepost will try again",
            code=code,
        )
    if status >= 500:
        # The message may have been created before the error: look it up before any resend.
        return SmsError(
            ErrorKind.unknown,
            "Twilio failed while sending; carepost will check whether the SMS went out",
            code=code,
        )
    if code in REFUSED:
        return SmsError(ErrorKind.final, "Twilio refused to send to this destination", code=code)
    return SmsError(ErrorKind.final, f"Twilio refused the SMS (error {code or status})", code=code)


def unreadable(_error: TwilioException) -> ChannelError:
    """The SDK failed without an HTTP answer to classify: the message may have been created."""
    return SmsError(
        ErrorKind.unknown,
        "Twilio's answer could not be read; carepost will check whether the SMS went out",
    )


def async_transport_error(error: Exception) -> ChannelError:
    """Classify a failure below HTTP on the async client: a refused connection sent nothing."""
    if isinstance(error, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return ChannelError(
            ErrorKind.retryable, f"{NAME} could not be reached; carepost will try again"
        )
    if isinstance(error, asyncio.TimeoutError):
        return ChannelError(
            ErrorKind.unknown,
            f"{NAME} did not answer in time; carepost will check whether the SMS went out",
        )
    return ChannelError(
        ErrorKind.unknown,
        f"the connection to {NAME} dropped; carepost will check whether the SMS went out",
    )


def sent_from(response: Response) -> SentSms:
    """The created message's SID and first status, read from Twilio's answer without building the
    SDK's MessageInstance (some forty fields, each converted, for the two carepost keeps)."""
    if not 200 <= response.status_code < 300:
        error = Version.exception("POST", "", response, "Unable to create record")
        raise classify(error) if isinstance(error, TwilioRestException) else unreadable(error)
    try:
        created = loads(response.text)
        sid, status = created["sid"], created.get("status")
    except (ValueError, TypeError, KeyError):
        sid = None
    if not isinstance(sid, str) or not sid:
        # Twilio answered 2xx, so the message may exist: look it up before any resend.
        raise unreadable(TwilioException("the created message's SID could not be read"))
    return SentSms(sid, status if isinstance(status, str) and status else "queued")


class PooledAsyncHttpClient(AsyncTwilioHttpClient):
    """The SDK's aiohttp client, lighter on the path of every request: one keep-alive pool as large
    as the requests in flight, a timeout on each (the SDK passes none of its own), a form given
    already encoded sent as it is, the credentials' header built once, and nothing formatted for
    the SDK's log (it would hold patients' numbers)."""

    def __init__(self, *, connections: int, timeout: float):
        super().__init__(pool_connections=False, timeout=timeout)
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections))
        self.authorizations: dict[tuple[str, str], str] = {}
        self.timeouts: dict[float, aiohttp.ClientTimeout] = {}

    async def request(
        self,
        method: str,
        url: str,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ) -> Response:
        headers = dict(headers or {})
        if auth is not None:
            if auth not in self.authorizations:
                token = base64.b64encode(":".join(auth).encode()).decode()
                self.authorizations[auth] = f"Basic {token}"
            headers["Authorization"] = self.authorizations[auth]
        body = None
        if data:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = data if isinstance(data, str) else urlencode(data, doseq=True)
        total = timeout or self.timeout
        if total not in self.timeouts:
            self.timeouts[total] = aiohttp.ClientTimeout(total=total)
        async with self.session.request(
            method.upper(),
            url,
            params=params,
            data=body,
            headers=headers,
            timeout=self.timeouts[total],
            allow_redirects=allow_redirects,
        ) as response:
            return Response(response.status, await response.text(), response.headers)


class TwilioSmsConnector:
    kind = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        messaging_service_sid: str | None = None,
        from_number: str | None = None,
        status_callback: str | None = None,
        http_client: TwilioHttpClient | None = None,
        timeout: float = 20.0,
        connections: int = 64,
        async_http_client: AsyncTwilioHttpClient | None = None,
    ):
        if not (messaging_service_sid or from_number):
            raise ValueError("a Messaging Service SID or a sender number is required")
        self.account_sid = account_sid
        self.messaging_service_sid = messaging_service_sid
        self.from_number = from_number
        self.status_callback = status_callback
        self.auth_token, self.timeout = auth_token, timeout
        self.client = Client(
            account_sid, auth_token, http_client=http_client or TwilioHttpClient(timeout=timeout)
        )
        # `send_async`'s client belongs to the event loop that sends: made there, closed with it.
        self.connections, self.async_http_client = connections, async_http_client
        self.async_http: AsyncTwilioHttpClient | None = None
        # What every message's request shares, as the SDK's `messages.create` builds it: the URL,
        # the SDK's headers and credentials, and the form fields that do not change.
        self.messages_url = self.client.api.v2010.absolute_url(
            f"/Accounts/{account_sid}/Messages.json"
        )
        self.headers = self.client.get_headers("POST", None)
        self.auth = (account_sid, auth_token)
        fixed = self._sdk_form(OutgoingSms(to="", body=""))
        del fixed["To"], fixed["Body"]
        self.form_tail = urlencode(fixed)

    async def close_async(self) -> None:
        """Close `send_async`'s connections (the event loop that made them is ending)."""
        http, self.async_http = self.async_http, None
        if http is not None:
            await http.close()

    def _call(self, function, **kwargs):
        try:
            return function(**kwargs)
        except TwilioRestException as error:
            raise classify(error) from None
        except TwilioException as error:
            raise unreadable(error) from None
        except requests.RequestException as error:
            raise transport_error(error, NAME) from None

    def send(self, message: OutgoingSms) -> SentSms:
        """Create the message; Twilio answers with its SID and first status (queued or accepted)."""
        created = self._call(self.client.messages.create, **self._fields(message))
        return SentSms(created.sid, created.status or "queued")

    async def send_async(self, message: OutgoingSms) -> SentSms:
        """`send` on an event loop: many requests wait on Twilio at once, on one keep-alive pool.

        The same request as `send` (the SDK's headers, credentials and form), made with the SDK's
        async HTTP client directly: the SDK's per-call layers (argument serialisation, the
        MessageInstance of the answer) cost more than the request itself at hundreds a second."""
        http = self.async_http
        if http is None:
            http = self.async_http = self.async_http_client or PooledAsyncHttpClient(
                connections=self.connections, timeout=self.timeout
            )
        # The pooled client sends an encoded form as it is; another client encodes the fields.
        if isinstance(http, PooledAsyncHttpClient):
            form = self._form(message)
        else:
            form = self._sdk_form(message)
        try:
            response = await http.request(
                "POST",
                self.messages_url,
                data=form,
                headers=self.headers,
                auth=self.auth,  # no timeout: the HTTP client's own, as for the SDK's calls
            )
        except TwilioException as error:
            raise unreadable(error) from None
        except (TimeoutError, aiohttp.ClientError) as error:
            raise async_transport_error(error) from None
        return sent_from(response)

    def _form(self, message: OutgoingSms) -> str:
        """`_sdk_form(message)` URL-encoded: the fields that do not change were encoded once."""
        form = f"To={quote_plus(message.to)}&Body={quote_plus(message.body)}&{self.form_tail}"
        if self.status_callback and message.reference:
            # As `_fields` builds it: `?ref=` and the encoded reference, the whole URL encoded.
            form += quote_plus("?ref=" + quote_plus(message.reference))
        return form

    def _sdk_form(self, message: OutgoingSms) -> dict[str, str]:
        """The form fields as the SDK's `messages.create` names them, from `_fields`."""
        return {FORM_NAMES[name]: value for name, value in self._fields(message).items()}

    def _fields(self, message: OutgoingSms) -> dict[str, str]:
        fields = {"to": message.to, "body": message.body}
        if self.messaging_service_sid:
            fields["messaging_service_sid"] = self.messaging_service_sid
        else:
            fields["from_"] = self.from_number
        if self.status_callback:
            # carepost's id rides along, so a report that beats the answer still finds its message.
            reference = f"?{urlencode({'ref': message.reference})}" if message.reference else ""
            fields["status_callback"] = self.status_callback + reference
        return fields

    def find_sent(self, message: OutgoingSms, since: datetime) -> SentSms | None:
        """List the account's messages to this number since `since` and match the body."""
        found = self._call(
            self.client.messages.list,
            to=message.to,
            date_sent_after=since - CLOCK_SKEW,
            limit=50,
        )
        for item in found:
            created = item.date_created or item.date_sent
            if created is not None and created < since - CLOCK_SKEW:
                continue
            if str(item.direction or "").startswith("outbound") and same_body(
                item.body, message.body
            ):
                return SentSms(item.sid, item.status or "sent")
        return None

    def test_connection(self) -> str:
        account = self._call(self.client.api.v2010.accounts(self.account_sid).fetch)
        return account.friendly_name or self.account_sid
