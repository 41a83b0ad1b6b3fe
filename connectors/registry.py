"""What the app may ask about a channel kind without credentials: its limits and draft validation."""

from connectors.base import Draft, Limits, Problem
from connectors.facebook import FacebookConnector
from connectors.outbox import OutboxConnector
from connectors.x import XConnector

CLASSES = {"x": XConnector, "facebook": FacebookConnector, "outbox": OutboxConnector}
LABELS = {"x": "X", "facebook": "Facebook", "outbox": "Outbox"}


def validate(kind: str, draft: Draft) -> list[Problem]:
    return CLASSES[kind].validate(draft)


def limits(kind: str) -> Limits:
    return CLASSES[kind].limits
