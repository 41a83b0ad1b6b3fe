"""Who a campaign reaches: contacts chosen by tag and language, narrowed to those it may go to now."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.contacts import service as contacts
from app.contacts.models import Contact, Language, MessageChannel, Purpose


@dataclass(frozen=True)
class Segment:
    """Contacts carrying any of `tags` (all contacts when empty), in `language` when one is given."""

    tags: tuple[str, ...] = ()
    language: Language | None = None

    def includes(self, contact: Contact) -> bool:
        if self.language is not None and contact.language != self.language:
            return False
        wanted = {t.casefold() for t in self.tags}
        return not wanted or any(t.casefold() in wanted for t in contact.tags or ())


def members(*, db: Session, segment: Segment, batch: int = 1000) -> list[Contact]:
    """Every contact in the segment, in id order (tags are JSON, so they are matched here)."""
    query = select(Contact).order_by(col(Contact.id))
    if segment.language is not None:
        query = query.where(Contact.language == segment.language)
    return [c for c in db.exec(query.execution_options(yield_per=batch)) if segment.includes(c)]


def reachable(
    *,
    db: Session,
    segment: Segment,
    channel: MessageChannel,
    purpose: Purpose,
    now: datetime,
) -> list[Contact]:
    """The segment's contacts a message for `purpose` may go to by `channel` now (opt-in, no opt-out)."""
    return [
        c
        for c in members(db=db, segment=segment)
        if contacts.may_send(db, c, channel, purpose, now)
    ]
