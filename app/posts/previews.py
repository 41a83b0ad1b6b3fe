"""What each chosen channel's readers would see of a post being written: the compose preview."""

import base64
import re
from dataclasses import dataclass, field

from app.channels.models import Channel
from app.i18n import Message
from app.posts import linkcards, media
from app.posts.checks import problem_text
from connectors import registry
from connectors.base import Draft
from connectors.xtext import weighted_length

MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024
FIRST_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)


@dataclass
class Part:
    text: str
    count: int
    limit: int
    problems: list[Message] = field(default_factory=list)


@dataclass
class Preview:
    channel: Channel
    kind: str
    name: str
    handle: str
    initial: str
    parts: list[Part]
    card: linkcards.LinkCard | None
    image: str | None

    @property
    def problems(self) -> bool:
        return any(part.problems for part in self.parts)


def thumbnail(data: bytes) -> str | None:
    """A data: URI of an image small enough to show inline (pages allow no other images)."""
    mime = media.sniff(data)
    if mime is None or len(data) > MAX_THUMBNAIL_BYTES:
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def link_of(link: str | None, text: str) -> str | None:
    """The link the card shows: the post's link, else the first web address in the text."""
    if link:
        return link
    found = FIRST_URL.search(text)
    return found.group(0).rstrip(".,;:!?)") if found else None


def _part(kind: str, draft: Draft, number: int | None = None) -> Part:
    """X shows the link in the text and counts it as 23; the others show it as a card."""
    shown = draft.body if kind == "x" else draft.text
    count = weighted_length(shown) if kind == "x" else len(shown)
    problems = [problem_text(p) for p in registry.validate(kind, draft)]
    if number is not None and not draft.text.strip():
        problems = [Message("part {n}: write its text or remove it", n=number)]
    return Part(shown, count, registry.limits(kind).max_text, problems)


def _parts(kind: str, text: str, link: str | None, further: list[str]) -> list[Part]:
    if kind != "x":
        body = "\n\n".join([text, *(p for p in further if p.strip())])
        return [_part(kind, Draft(body, link=link))]
    first = _part(kind, Draft(text, link=link))
    return [first, *(_part(kind, Draft(p), n) for n, p in enumerate(further, start=2))]


def build(
    *,
    chosen: list[Channel],
    text: str,
    overrides: dict[str, str],
    link: str | None,
    parts: list[str],
    image: str | None,
    cards: linkcards.CardFetcher,
) -> list[Preview]:
    """A preview per chosen channel: its texts (a thread's parts on X), link card and image."""
    previews = []
    for channel in chosen:
        own = overrides.get(str(channel.id)) or text
        target = link_of(link, own)
        kind = str(channel.kind)
        handle = channel.account_label or "@" + re.sub(r"\W+", "", channel.name).lower()
        previews.append(
            Preview(
                channel=channel,
                kind=kind,
                name=channel.name,
                handle=handle if kind == "x" else (channel.account_label or ""),
                initial=(channel.name[:1] or "?").upper(),
                parts=_parts(kind, own, link, parts),
                card=cards.card(target) if target else None,
                image=image,
            )
        )
    return previews
