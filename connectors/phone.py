"""The local phone: an SMS provider that keeps messages in carepost's database (demo and tests).

Each number's messages can be read on a page, where one can also answer as the patient would.
"""

from datetime import datetime
from typing import Protocol

from connectors.sms import OutgoingSms, SentSms


class PhoneStore(Protocol):
    """Where the local phone keeps what it "sends"; the app provides it."""

    def add(self, number: str, body: str) -> str: ...

    def find(self, number: str, body: str, since: datetime) -> str | None: ...


class PhoneConnector:
    kind = "phone"

    def __init__(self, store: PhoneStore):
        self.store = store

    def send(self, message: OutgoingSms) -> SentSms:
        """The message reaches the phone at once: it counts as delivered."""
        return SentSms(self.store.add(message.to, message.body), "delivered")

    def find_sent(self, message: OutgoingSms, since: datetime) -> SentSms | None:
        remote_id = self.store.find(message.to, message.body, since)
        return SentSms(remote_id, "delivered") if remote_id else None

    @staticmethod
    def test_connection() -> str:
        return "local phone"
