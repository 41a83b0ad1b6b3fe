"""The one way to build and read a pagination cursor: an opaque token over the last row's sort keys."""

import base64
import json

from app.errors import InvalidInput


def encode(*values: int | str | float) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, size: int) -> list | None:
    """The values a cursor carries, or None for the first page; a damaged cursor is a 422."""
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise InvalidInput("the cursor is not one carepost gave out", field="cursor")
    return values
