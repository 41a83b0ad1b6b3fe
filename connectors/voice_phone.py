"""The browser phone: a voice provider that rings a page of carepost's own (demo and tests).

The call waits in carepost's database until someone answers it on the page, which then plays
Twilio's part: it fetches the call's TwiML and posts key presses through the same signed webhooks.
"""

from datetime import datetime
from typing import Protocol

from connectors.voice import OutgoingCall, PlacedCall


class CallStore(Protocol):
    """Where the browser phone keeps the calls that ring on it; the app provides it."""

    def add(self, call: OutgoingCall) -> str: ...

    def find(self, number: str, since: datetime) -> list[str]: ...


class BrowserPhoneConnector:
    kind = "phone"

    def __init__(self, store: CallStore):
        self.store = store

    def place(self, call: OutgoingCall) -> PlacedCall:
        """The call rings on the page at once."""
        return PlacedCall(self.store.add(call), "ringing")

    def find_placed(self, call: OutgoingCall, since: datetime) -> list[PlacedCall]:
        return [PlacedCall(sid, "ringing") for sid in self.store.find(call.to, since)]
