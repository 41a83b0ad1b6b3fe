"""Checks a submitted post must pass before anything is stored: channels and texts, link, time, rule."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from app.channels import service as channels
from app.channels.models import Channel
from app.clock import utcnow
from app.errors import InvalidInput
from app.i18n import Message, join
from app.posts.models import PostCreate, is_web_link
from app.settings import get_settings
from connectors import registry
from connectors.base import Draft, Problem
from scheduler.recurrence import Rule

# A post scheduled "now" from a form or import is a few seconds old when it arrives.
PAST_TOLERANCE = timedelta(seconds=60)
# How far ahead a post may be planned (and where a date stops being a typo).
MAX_AHEAD = timedelta(days=5 * 366)


def problem_text(problem: Problem) -> Message:
    """A connector's objection to a draft, shown in the reader's language."""
    return Message(problem.msgid or problem.message, **problem.values)


def check_texts(kind_texts: list[tuple[Channel, str]], link: str | None) -> None:
    """Every channel's text fits that channel; the error names the channel."""
    problems = []
    for channel, text in kind_texts:
        for problem in registry.validate(str(channel.kind), Draft(text, link=link)):
            problems.append(
                Message("{channel}: {problem}", channel=channel.name, problem=problem_text(problem))
            )
    if problems:
        raise InvalidInput(join(problems), field="text")


def moment(when: datetime) -> datetime:
    """A submitted time as UTC: aware, not in the past, at most MAX_AHEAD ahead."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInput(
            "scheduled_at needs a UTC offset, e.g. 2026-12-01T09:00:00+01:00",
            field="scheduled_at",
        )
    now = utcnow()
    try:
        when = when.astimezone(UTC)
    except OverflowError:
        when = None
    if when is None or when > now + MAX_AHEAD:
        raise InvalidInput(
            "choose a time between now and five years from now", field="scheduled_at"
        )
    if when < now - PAST_TOLERANCE:
        zone = get_settings().zone
        raise InvalidInput(
            "{time} ({zone}) is in the past: choose a later time",
            field="scheduled_at",
            time=f"{when.astimezone(zone):%Y-%m-%d %H:%M}",
            zone=zone.key,
        )
    return when


def parse_schedule(data: PostCreate) -> tuple[datetime | None, Rule | None]:
    """The first time (UTC) and the recurrence rule of a submitted post."""
    when = moment(data.scheduled_at) if data.scheduled_at is not None else None
    rule = None
    if data.recurrence:
        if when is None:
            raise InvalidInput(
                "a recurring post needs scheduled_at for its first occurrence", field="scheduled_at"
            )
        try:
            rule = Rule.from_dict(data.recurrence)
        except (ValueError, TypeError, OverflowError) as error:
            raise InvalidInput(
                "recurrence: {problem}", field="recurrence", problem=Message(str(error))
            ) from None
    return when, rule


def check_link(link: str | None) -> None:
    """Only an absolute http(s) URL with a host may be a post's link."""
    if link is not None and not is_web_link(link):
        raise InvalidInput(
            "the link must be a web address starting with https:// or http://", field="link"
        )


def channel_texts(db: Session, data: PostCreate) -> list[tuple[Channel, str]]:
    """Each chosen channel with the text it gets (its own, or the post's)."""
    chosen = channels.resolve(db=db, refs=data.channels)
    overrides = {}
    for key, text in data.channel_texts.items():
        if text and text.strip():
            ref = int(key) if key.isascii() and key.isdigit() and len(key) < 19 else key
            overrides[channels.resolve(db=db, refs=[ref])[0].id] = text.strip()
    return [(channel, overrides.get(channel.id, data.text)) for channel in chosen]


@dataclass(frozen=True)
class Checked:
    """A submitted post that passed every check: its channels with their texts, time and rule."""

    data: PostCreate
    texts: list[tuple[Channel, str]]
    when: datetime | None
    rule: Rule | None


def check(*, db: Session, data: PostCreate) -> Checked:
    """Every check a new post must pass, without writing anything (InvalidInput otherwise)."""
    check_link(data.link)
    texts = channel_texts(db, data)
    check_texts(texts, data.link)
    when, rule = parse_schedule(data)
    check_thread(data, rule)
    return Checked(data, texts, when, rule)


def check_thread(data: PostCreate, rule: Rule | None) -> list[str]:
    """A thread's further parts, each within one post on X; a thread does not repeat."""
    from app.posts.threads import check_parts  # it builds on this module

    if data.parts and rule is not None:
        raise InvalidInput(
            "a thread cannot repeat; remove the repetition or the parts", field="parts"
        )
    return check_parts(data.parts)
