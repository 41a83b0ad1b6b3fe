"""The version of a post a clinician decided on, and what changed in it since, word by word."""

import difflib
import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.channels.models import Channel
from app.posts.models import Post, PostChannel, PostReviewVersion

# A word, or the spaces between words: the diff keeps the spacing of the text it shows.
TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    """A run of the text: "same", "added" (in the new version only) or "removed" (old only)."""

    change: str
    text: str


@dataclass(frozen=True)
class FieldChange:
    """One part of the post that changed (its text, its link, one channel's own text)."""

    name: str  # "text", "link", or a channel's name
    segments: list[Segment]


@dataclass(frozen=True)
class Changes:
    """What changed since the last decision on the post."""

    reviewed: PostReviewVersion
    reviewer: str
    fields: list[FieldChange]


def diff_words(old: str, new: str) -> list[Segment]:
    """old → new as runs of unchanged, removed and added words (removed before added); a space
    alone between two changes belongs to them, so "las hospitalizaciones" reads as one change."""
    before, after = TOKENS.findall(old or ""), TOKENS.findall(new or "")
    opcodes = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    segments: list[Segment] = []
    removed, added = [], []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        same = "".join(before[i1:i2])
        between = 0 < index < len(opcodes) - 1 and not same.strip()
        if op != "equal" or between:
            removed.append(same if op == "equal" else "".join(before[i1:i2]))
            added.append(same if op == "equal" else "".join(after[j1:j2]))
            continue
        segments += _changes(removed, added)
        removed, added = [], []
        segments.append(Segment("same", same))
    return segments + _changes(removed, added)


def _changes(removed: list[str], added: list[str]) -> list[Segment]:
    """One removed run then one added run (an empty one left out)."""
    runs = [Segment("removed", "".join(removed)), Segment("added", "".join(added))]
    return [run for run in runs if run.text]


def _channel_texts(db: Session, post: Post) -> dict[str, str]:
    rows = db.exec(
        select(Channel.name, PostChannel.text_override)
        .join(Channel, col(Channel.id) == PostChannel.channel_id)
        .where(PostChannel.post_id == post.id, col(PostChannel.text_override).is_not(None))
    )
    return {name: text for name, text in rows}  # noqa: C416 - a Result has keys(): dict() misreads it


def record(
    db: Session, *, post: Post, clinician: User, approved: bool, comment: str | None
) -> None:
    """Keep the text the clinician decided on (call before the decision changes the version)."""
    db.add(
        PostReviewVersion(
            post_id=post.id,
            version=post.version,
            text=post.text,
            link=post.link,
            channel_texts=_channel_texts(db, post),
            approved=approved,
            comment=comment,
            decided_by=clinician.id,
        )
    )


def last_reviewed(db: Session, post_id: int) -> PostReviewVersion | None:
    """The latest decision's version of the post, if it was ever decided on."""
    query = select(PostReviewVersion).where(PostReviewVersion.post_id == post_id)
    return db.exec(query.order_by(col(PostReviewVersion.id).desc())).first()


def changes_since_review(db: Session, post: Post) -> Changes | None:
    """What changed since the last decision; None when no clinician has decided on it yet."""
    reviewed = last_reviewed(db, post.id)
    if reviewed is None:
        return None
    fields = []
    if reviewed.text != post.text:
        fields.append(FieldChange("text", diff_words(reviewed.text, post.text)))
    if (reviewed.link or "") != (post.link or ""):
        fields.append(FieldChange("link", diff_words(reviewed.link or "", post.link or "")))
    now = _channel_texts(db, post)
    for name in sorted(set(now) | set(reviewed.channel_texts)):
        old, new = reviewed.channel_texts.get(name, ""), now.get(name, "")
        if old != new:
            fields.append(FieldChange(name, diff_words(old, new)))
    reviewer = db.get(User, reviewed.decided_by)
    return Changes(reviewed, reviewer.display_name if reviewer else "?", fields)
