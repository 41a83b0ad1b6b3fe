"""One-time messages after an action ("Saved.", "User created."), kept in the session until shown."""

from fastapi import Request

KINDS = ("success", "info", "error")
SESSION_KEY = "flash"
# A handful at most is ever useful; a loop of redirects must not grow the cookie without bound.
MAX_WAITING = 5


def flash(request: Request, message: str, kind: str = "success", **values: str | int) -> None:
    """Queue message (English text, the catalogue's key) for the next page this user sees."""
    if kind not in KINDS:
        raise ValueError(f"unknown flash kind {kind!r}")
    waiting = list(request.session.get(SESSION_KEY, []))
    waiting.append({"kind": kind, "message": message, "values": values})
    request.session[SESSION_KEY] = waiting[-MAX_WAITING:]


def pop_flashes(request: Request) -> list[dict]:
    """The waiting messages, removed from the session: each is shown once."""
    return request.session.pop(SESSION_KEY, None) or []
