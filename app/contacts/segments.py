"""Who a campaign reaches: contacts chosen by tag, language and age, narrowed to those it may go to now."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from app.contacts import service as contacts
from app.contacts.models import Contact, Language, MessageChannel, Purpose

CHUNK = 1000  # contacts whose consent and suppressions are read in one query each


def age_on(born: date, day: date) -> int:
    """Whole years from born to day."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class Segment:
    """Contacts carrying any of `tags` (all contacts when empty), in `language` when one is given,
    aged `age_min` to `age_max` (inclusive) when either is given; a contact whose date of birth is
    unknown is left out of a segment by age."""

    tags: tuple[str, ...] = ()
    language: Language | None = None
    age_min: int | None = None
    age_max: int | None = None

    def includes(self, contact: Contact, today: date | None = None) -> bool:
        if self.language is not None and contact.language != self.language:
            return False
        if self.age_min is not None or self.age_max is not None:
            if contact.birth_date is None:
                return False
            age = age_on(contact.birth_date, today or date.today())
            if self.age_min is not None and age < self.age_min:
                return False
            if self.age_max is not None and age > self.age_max:
                return False
        wanted = {t.casefold() for t in self.tags}
        return not wanted or any(t.casefold() in wanted for t in contact.tags or ())


def members(
    *, db: Session, segment: Segment, today: date | None = None, batch: int = 1000
) -> list[Contact]:
    """Every contact in the segment, in id order (tags are JSON, so they are matched here)."""
    query = select(Contact).order_by(col(Contact.id))
    if segment.language is not None:
        query = query.where(Contact.language == segment.language)
    return [
        c for c in db.exec(query.execution_options(yield_per=batch)) if segment.includes(c, today)
    ]


def reachable(
    *,
    db: Session,
    segment: Segment,
    channel: MessageChannel,
    purpose: Purpose,
    now: datetime,
    today: date | None = None,
) -> list[Contact]:
    """The segment's contacts a message for `purpose` may go to by `channel` now (opt-in, no opt-out);
    `today` is the practice's local date ages are counted on."""
    people = members(db=db, segment=segment, today=today)
    found = []
    for start in range(0, len(people), CHUNK):
        chunk = people[start : start + CHUNK]
        allowed = contacts.may_send_to(db, chunk, channel, purpose, now)
        found.extend(c for c in chunk if allowed[c.id])
    return found
