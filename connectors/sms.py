"""What every SMS provider adapter offers the delivery engine: one message out, its lookup, its statuses."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from connectors.base import ChannelError, ErrorKind

# Provider statuses in the order a message moves through them; equal ranks are alternative ends.
STATUS_RANK = {
    "queued": 1,
    "accepted": 1,
    "scheduled": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}


def moves_forward(current: str | None, new: str) -> bool:
    """Whether a reported status advances a message (callbacks repeat and arrive out of order)."""
    if new not in STATUS_RANK:
        return False
    return current is None or STATUS_RANK[new] > STATUS_RANK.get(current, 0)


@dataclass(frozen=True)
class OutgoingSms:
    to: str  # E.164
    body: str
    reference: str | None = None  # carepost's id of the message, echoed in delivery reports


@dataclass(frozen=True)
class SentSms:
    remote_id: str
    status: str  # one of STATUS_RANK


class SmsError(ChannelError):
    """A provider refused an SMS; opt_out and undeliverable say the number must not be tried again."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        code: str | None = None,
        opt_out: bool = False,
        undeliverable: bool = False,
        retry_at: datetime | None = None,
        reconnect: bool = False,
    ):
        super().__init__(kind, message, code=code, retry_at=retry_at, reconnect=reconnect)
        self.opt_out = opt_out
        self.undeliverable = undeliverable


class SmsConnector(Protocol):
    """The engine's view of an SMS provider."""

    kind: str

    def send(self, message: OutgoingSms) -> SentSms:
        """Hand the message to the provider; raises SmsError or ChannelError."""

    def find_sent(self, message: OutgoingSms, since: datetime) -> SentSms | None:
        """The provider's record of this message sent since `since`, if it has one."""

    def test_connection(self) -> str:
        """Call the provider and return the account's name; raises ChannelError."""


def same_body(remote: str | None, body: str) -> bool:
    """Whether a provider's copy of a message is this body (spacing may differ)."""
    return " ".join((remote or "").split()) == " ".join(body.split())
