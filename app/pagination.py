"""The one way to build and read a pagination cursor: an opaque token over the last row's sort keys."""

import base64
import json
from collections.abc import Callable
from typing import Any

from app.errors import InvalidInput


def encode(*values: int | str | float) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def page(rows: list, size: int, key: Callable[[Any], tuple]) -> tuple[list, str | None]:
    """Cut rows fetched with LIMIT size + 1 to one page, with the cursor of the next (None at the end)."""
    if len(rows) <= size:
        return rows, None
    return rows[:size], encode(*key(rows[size - 1]))


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
