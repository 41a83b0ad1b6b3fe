"""Messages the engine could not settle (`uncertain`): listed for staff, who say sent or not sent.

Each kind of outbound message that can end uncertain registers a `Settling`: how to list its
uncertain items and how to write a person's verdict. Settling is audited here, once, for every kind.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.accounts.models import Role, User
from app.audit import service as audit
from app.errors import NotFound, PermissionDenied

LIMIT = 100


@dataclass(frozen=True)
class Item:
    """One uncertain message as staff see it: what, where, when, why, and a link to its page."""

    kind: str
    id: int
    what: str  # a Message: shown in the reader's language
    channel: str
    since: datetime
    error: str | None
    link: str | None = None


@dataclass(frozen=True)
class Settling:
    kind: str
    roles: frozenset[Role]  # who may settle it
    items: Callable[[Session, int], list[Item]]
    settle: Callable[[Session, int, bool], None]  # raises NotFound or Conflict


_settlings: dict[str, Settling] = {}


def register(settling: Settling) -> None:
    """Make a kind's uncertain messages listable and settleable."""
    _settlings[settling.kind] = settling


def may_settle(user: User, settling: Settling) -> bool:
    """Whether the user's role settles this kind (a clinician once verified)."""
    if user.role == Role.clinician and not user.clinician_verified:
        return False
    return user.role in settling.roles


def items(db: Session, *, kinds: tuple[str, ...], viewer: User) -> list[Item]:
    """The uncertain messages of these kinds the viewer may settle, oldest first."""
    found = [
        item
        for kind in kinds
        if kind in _settlings and may_settle(viewer, _settlings[kind])
        for item in _settlings[kind].items(db, LIMIT)
    ]
    return sorted(found, key=lambda item: item.since)


def settle(db: Session, *, kind: str, item_id: int, sent: bool, actor: User) -> None:
    """A person checked the channel: the message went out (sent) or it did not (failed)."""
    settling = _settlings.get(kind)
    if settling is None:
        raise NotFound("no such message")
    if not may_settle(actor, settling):
        raise PermissionDenied("you cannot settle this message")
    settling.settle(db, item_id, sent)
    audit.record(
        db, actor=actor, action=f"{kind}.settle", object_type=kind, object_id=item_id, sent=sent
    )
