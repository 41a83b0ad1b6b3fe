"""What every voice provider adapter offers the delivery engine: one call out, its lookup, its statuses."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Call statuses in the order a call moves through them; equal ranks are alternative ends.
STATUS_RANK = {
    "queued": 1,
    "initiated": 1,
    "ringing": 2,
    "in-progress": 3,
    "completed": 4,
    "busy": 4,
    "failed": 4,
    "no-answer": 4,
    "canceled": 4,
}
ENDED = frozenset(s for s, rank in STATUS_RANK.items() if rank == 4)


def moves_forward(current: str | None, new: str) -> bool:
    """Whether a reported status advances a call (callbacks repeat and arrive out of order)."""
    if new not in STATUS_RANK:
        return False
    return current is None or STATUS_RANK[new] > STATUS_RANK.get(current, 0)


@dataclass(frozen=True)
class OutgoingCall:
    to: str  # E.164
    url: str  # where the provider fetches what to say once the call is answered
    status_callback: str
    # "Enable" (hang up on a machine) or "DetectMessageEnd" (speak after the greeting's beep).
    machine_detection: str = "Enable"


@dataclass(frozen=True)
class PlacedCall:
    remote_id: str
    status: str  # one of STATUS_RANK
    created_at: datetime | None = None


class VoiceConnector(Protocol):
    """The engine's view of a voice provider."""

    kind: str

    def place(self, call: OutgoingCall) -> PlacedCall:
        """Ask the provider to dial; raises ChannelError."""

    def find_placed(self, call: OutgoingCall, since: datetime) -> list[PlacedCall]:
        """Calls the account placed to this number since `since` (newest first)."""
