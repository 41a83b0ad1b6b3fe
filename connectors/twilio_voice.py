"""Twilio Programmable Voice through the official SDK: place a call, look it up, classify errors."""

import logging
from datetime import datetime

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from connectors.base import ChannelError, ErrorKind, transport_error
from connectors.twilio_sms import CLOCK_SKEW
from connectors.voice import OutgoingCall, PlacedCall

# The SDK logs every request's URL and query (a patient's number when listing) at INFO.
logging.getLogger("twilio").setLevel(logging.WARNING)

NAME = "Twilio"
# The number cannot be called: invalid, unreachable country, or not a phone number.
UNCALLABLE = frozenset({"21211", "21215", "21216", "21217", "13224", "13223"})


def classify(error: TwilioRestException) -> ChannelError:
    """One ChannelError per Twilio answer: what may be retried, looked up, or never tried again."""
    code = str(error.code) if error.code is not None else None
    status = error.status
    if code in UNCALLABLE:
        return ChannelError(ErrorKind.final, "the number cannot be called", code=code)
    if status in (401, 403) or code == "20003":
        return ChannelError(
            ErrorKind.final,
            "Twilio refused the account's credentials; an administrator must check them",
            code=code,
            reconnect=True,
        )
    if status == 429 or code == "20429":
        return ChannelError(
            ErrorKind.retryable, "Twilio is rate limiting; carepost will try again", code=code
        )
    if status == 503:
        return ChannelError(
            ErrorKind.retryable,
            "Twilio is unavailable for a moment; carepost will try again",
            code=code,
        )
    if status >= 500:
        # The call may have been created before the error: look it up before dialling again.
        return ChannelError(
            ErrorKind.unknown,
            "Twilio failed while placing the call; carepost will check whether it was placed",
            code=code,
        )
    return ChannelError(
        ErrorKind.final, f"Twilio refused the call (error {code or status})", code=code
    )


class TwilioVoiceConnector:
    kind = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str,
        http_client: TwilioHttpClient | None = None,
        timeout: float = 20.0,
    ):
        self.from_number = from_number
        self.client = Client(
            account_sid, auth_token, http_client=http_client or TwilioHttpClient(timeout=timeout)
        )

    def _call(self, function, **kwargs):
        try:
            return function(**kwargs)
        except TwilioRestException as error:
            raise classify(error) from None
        except requests.RequestException as error:
            raise transport_error(error, NAME) from None

    def place(self, call: OutgoingCall) -> PlacedCall:
        """Create the call; Twilio answers with its SID and first status (queued)."""
        created = self._call(
            self.client.calls.create,
            to=call.to,
            from_=self.from_number,
            url=call.url,
            status_callback=call.status_callback,
            status_callback_event=["initiated", "ringing", "answered", "completed"],
            machine_detection=call.machine_detection,
        )
        return PlacedCall(created.sid, str(created.status or "queued"), created.date_created)

    def find_placed(self, call: OutgoingCall, since: datetime) -> list[PlacedCall]:
        """The account's outbound calls from its number to this one created since `since`."""
        found = self._call(self.client.calls.list, to=call.to, from_=self.from_number, limit=50)
        return [
            PlacedCall(item.sid, str(item.status or "queued"), item.date_created)
            for item in found
            if str(item.direction or "").startswith("outbound")
            and (item.date_created is None or item.date_created >= since - CLOCK_SKEW)
        ]
