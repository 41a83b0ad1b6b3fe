"""The one way to build and read a pagination cursor: an opaque token over the last row's sort keys."""

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from app.errors import InvalidInput

# Ids and other integer keys of a cursor stay within a 32-bit column's range.
MAX_KEY = 2**31 - 1


def encode(*values: int | str | float) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def page(rows: list, size: int, key: Callable[[Any], tuple]) -> tuple[list, str | None]:
    """Cut rows fetched with LIMIT size + 1 to one page, with the cursor of the next (None at the end)."""
    if len(rows) <= size:
        return rows, None
    return rows[:size], encode(*key(rows[size - 1]))


def _typed(value: Any, kind: type) -> Any:
    """value as kind (int: 0..MAX_KEY; datetime: an ISO time with its offset), else ValueError."""
    if kind is int:
        if type(value) is not int or not 0 <= value <= MAX_KEY:
            raise ValueError
        return value
    if kind is datetime:
        if not isinstance(value, str):
            raise ValueError
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError
        return moment.astimezone(UTC)
    raise TypeError(f"cursors carry int and datetime keys, not {kind.__name__}")


def decode(cursor: str | None, *kinds: type) -> list | None:
    """The keys a cursor carries, one per kind (int or datetime), or None for the first page; a
    damaged cursor, or one whose keys are not of those kinds, is a 422."""
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError
        return [_typed(value, kind) for value, kind in zip(values, kinds, strict=True)]
    except (ValueError, UnicodeDecodeError, OverflowError, RecursionError):
        raise InvalidInput("the cursor is not one carepost gave out", field="cursor") from None
