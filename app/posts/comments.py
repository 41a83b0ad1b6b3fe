"""Comments people leave on published posts: fetched from each channel, screened, answered.

Every comment is scored like any other content. What the policy hides (misinformation, exposed health
data, spam) is hidden on the channel too, and shown again if a reviewer approves it; an emergency or
a request for a dose gets the automatic public reply at once and waits for a clinician, whose answer
is posted under the comment. Network calls happen outside database transactions; each result is
written in its own short one.
"""

import logging
import os
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit import service as audit
from app.channels import gateway
from app.channels.models import Channel
from app.clock import utcnow
from app.database import session_scope
from app.delivery import engine
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import Message
from app.posts.comment_outbound import REPLIES, VISIBILITY
from app.posts.models import (
    CommentReply,
    Delivery,
    DeliveryStatus,
    InboundComment,
    Post,
    ReplyState,
)
from app.review import scoring
from app.review import service as review
from app.review.models import ContentStatus
from app.settings import get_settings
from connectors.base import ChannelError, Comment
from moderation.text import language

log = logging.getLogger("carepost.comments")
KIND = "channel_comment"
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
OVERLAP = timedelta(minutes=5)  # channels index comments with a small delay: look a little back


@dataclass
class Round:
    checked: int = 0
    new: int = 0
    flagged: int = 0
    synced: int = 0
    replied: int = 0
    errors: int = 0


def _due(db: Session, limit: int, post_id: int | None) -> list[tuple[int, str, object, Channel]]:
    """Published posts still watched whose comments were not read within the refresh interval
    (every published delivery of one post when post_id is given: someone asked for it)."""
    settings = get_settings()
    now = utcnow()
    stale = now if post_id else now - timedelta(minutes=settings.comments_refresh_minutes)
    query = (
        select(Delivery.id, Delivery.remote_id, Delivery.comments_checked_at, Channel)
        .join(Channel, col(Channel.id) == Delivery.channel_id)
        .where(
            Delivery.status == DeliveryStatus.published,
            col(Delivery.remote_id).is_not(None),
            col(Delivery.sent_at) >= now - timedelta(days=settings.comments_watch_days),
            gateway.callable_now(now),
            or_(
                col(Delivery.comments_checked_at).is_(None),
                col(Delivery.comments_checked_at) < stale,
            ),
        )
    )
    if post_id is not None:
        query = query.where(Delivery.post_id == post_id)
    order = (col(Delivery.comments_checked_at).is_not(None), col(Delivery.comments_checked_at))
    # Rows of one channel share one Channel object; it stays readable after the session closes.
    return list(db.exec(query.order_by(*order).limit(limit)))


def _claim(db: Session, delivery_id: int, checked_at) -> bool:
    """Take this post's read for this round; another worker that read it first wins."""
    same = (
        col(Delivery.comments_checked_at).is_(None)
        if checked_at is None
        else col(Delivery.comments_checked_at) == checked_at
    )
    done = db.exec(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, same)
        .values(comments_checked_at=utcnow())
    )
    return done.rowcount == 1


def store(
    db: Session, *, delivery_id: int, channel_id: int, found: list[Comment]
) -> tuple[int, int]:
    """Add the comments not seen before and screen them in one batch: (new, flagged)."""
    if not found:
        return 0, 0
    seen = set(
        db.exec(
            select(InboundComment.remote_id).where(
                InboundComment.channel_id == channel_id,
                col(InboundComment.remote_id).in_([c.remote_id for c in found]),
            )
        )
    )
    new = [c for c in {c.remote_id: c for c in found}.values() if c.remote_id not in seen]
    flagged = 0
    for comment, score in zip(new, scoring.score([c.text for c in new]), strict=True):
        row = InboundComment(
            delivery_id=delivery_id,
            channel_id=channel_id,
            remote_id=comment.remote_id[:100],
            parent_remote_id=comment.parent_id[:100] if comment.parent_id else None,
            author_name=comment.author[:120],
            text=comment.text,
            remote_created_at=comment.created_at,
        )
        db.add(row)
        db.flush()
        screening = review.screen(
            db, kind=KIND, target=row, score=score, locale=language(comment.text)
        )
        row.status = screening.status
        if screening.flags:
            flagged += 1
        if screening.auto_reply:
            db.add(CommentReply(comment_id=row.id, text=screening.auto_reply, automatic=True))
    return len(new), flagged


def fetch(limit: int = 50, *, post_id: int | None = None) -> Round:
    """Read new comments of the watched posts (or of one post) and screen them."""
    result = Round()
    with session_scope() as db:
        due = _due(db, limit, post_id)
    for delivery_id, remote_id, checked_at, channel in due:
        with session_scope() as db:
            if not _claim(db, delivery_id, checked_at):
                continue
        since = checked_at - OVERLAP if checked_at else None
        try:
            found = gateway.call(channel, lambda c, r=remote_id, s=since: c.comments(r, s))
        except ChannelError as error:
            # The post is tried again next round; one channel's trouble does not stop the others.
            log.warning("comments of delivery %s: %s", delivery_id, type(error).__name__)
            result.errors += 1
            continue
        with session_scope() as db:
            new, flagged = store(db, delivery_id=delivery_id, channel_id=channel.id, found=found)
        result.checked, result.new, result.flagged = (
            result.checked + 1,
            result.new + new,
            result.flagged + flagged,
        )
    return result


def _run(kind, limit: int) -> list[str]:
    """One batch of a comment kind on the delivery engine, now (the dispatcher runs them too)."""
    now = utcnow()
    kind.prepare(now=now)
    claim = f"{WORKER_ID}:{uuid.uuid4().hex[:12]}"
    ids = kind.claim(worker=claim, now=now, limit=limit)
    if not ids:
        return []
    with ThreadPoolExecutor(get_settings().dispatch_threads) as pool:
        return engine.send_batch(kind, ids, claim, pool)


def _tally(outcomes: list[str]) -> tuple[int, int]:
    """(sent, not sent for a reason to look at: retrying, failed, uncertain)."""
    sent = outcomes.count("sent")
    return sent, sum(o not in ("sent", "skipped", "lost") for o in outcomes)


def sync_visibility(limit: int = 100) -> Round:
    """Hide on the channel what carepost hides, and show again what a reviewer approved."""
    synced, errors = _tally(_run(VISIBILITY, limit))
    return Round(synced=synced, errors=errors)


def send_replies(limit: int = 50) -> Round:
    """Post the pending replies through the delivery engine: claimed once, looked up on the
    channel before any resend, and `uncertain` (a person is told) when that cannot settle it."""
    replied, errors = _tally(_run(REPLIES, limit))
    return Round(replied=replied, errors=errors)


def run_round(post_id: int | None = None) -> Round:
    """One round of the comments job (or of one post's comments): read and screen the new ones,
    post the waiting replies (the automatic ones first), then hide or show what changed."""
    fetched = fetch(post_id=post_id)
    replied = send_replies()
    synced = sync_visibility()
    return Round(
        checked=fetched.checked,
        new=fetched.new,
        flagged=fetched.flagged,
        synced=synced.synced,
        replied=replied.replied,
        errors=fetched.errors + replied.errors + synced.errors,
    )


# --- reading and acting from the app ---------------------------------------------------------


def of_post(
    db: Session, *, post_id: int
) -> list[tuple[InboundComment, Channel, list[CommentReply]]]:
    """The post's comments on every channel, oldest first, each with its replies."""
    rows = list(
        db.exec(
            select(InboundComment, Channel)
            .join(Delivery, col(Delivery.id) == InboundComment.delivery_id)
            .join(Channel, col(Channel.id) == InboundComment.channel_id)
            .where(Delivery.post_id == post_id)
            .order_by(col(InboundComment.remote_created_at), col(InboundComment.id))
        )
    )
    replies: dict[int, list[CommentReply]] = {}
    if rows:
        ids = [c.id for c, _ch in rows]
        for reply in db.exec(
            select(CommentReply)
            .where(col(CommentReply.comment_id).in_(ids))
            .order_by(col(CommentReply.id))
        ):
            replies.setdefault(reply.comment_id, []).append(reply)
    return [(c, ch, replies.get(c.id, [])) for c, ch in rows]


def _comment_of_post(db: Session, post_id: int, comment_id: int) -> InboundComment:
    comment = db.get(InboundComment, comment_id)
    delivery = db.get(Delivery, comment.delivery_id) if comment else None
    if delivery is None or delivery.post_id != post_id:
        raise NotFound("no such comment on this post")
    return comment


def answer(db: Session, comment: InboundComment, actor: User, text: str) -> CommentReply:
    """Queue a public reply under the comment as the practice's account."""
    text = text.strip()
    if not text:
        raise InvalidInput("write the reply", field="text")
    if comment.status == ContentStatus.removed:
        raise Conflict("this comment was removed; it cannot be answered")
    reply = CommentReply(comment_id=comment.id, text=text, author_id=actor.id)
    db.add(reply)
    db.flush()
    audit.record(db, actor=actor, action="comment.reply", object_type=KIND, object_id=comment.id)
    return reply


def reply_from_page(
    db: Session, *, post_id: int, comment_id: int, actor: User, text: str
) -> CommentReply:
    """Staff answer an ordinary comment; one waiting for review is answered from the queue."""
    comment = _comment_of_post(db, post_id, comment_id)
    if comment.status != ContentStatus.visible:
        raise Conflict("this comment waits for review; answer it from the review queue")
    return answer(db, comment, actor, text)


def resend(db: Session, *, post_id: int, reply_id: int, actor: User) -> CommentReply:
    """A person checked the channel and did not find an uncertain or failed reply: send it again."""
    reply = db.get(CommentReply, reply_id)
    if reply is None:
        raise NotFound("no such reply")
    _comment_of_post(db, post_id, reply.comment_id)
    if reply.state not in (ReplyState.uncertain, ReplyState.failed):
        raise Conflict(
            "this reply is {state}; only uncertain or failed replies are resent", state=reply.state
        )
    reply.state, reply.next_attempt_at, reply.error = ReplyState.pending, None, None
    # A person looked: nothing to look up first, and only a copy posted from now on is this one's.
    reply.needs_reconcile, reply.claimed_at, reply.attempts = False, None, 0
    db.add(reply)
    audit.record(db, actor=actor, action="comment.resend", object_type="reply", object_id=reply.id)
    return reply


def mark_sent(db: Session, *, post_id: int, reply_id: int, actor: User) -> CommentReply:
    """A person found an uncertain reply on the channel: it counts as sent."""
    reply = db.get(CommentReply, reply_id)
    if reply is None:
        raise NotFound("no such reply")
    _comment_of_post(db, post_id, reply.comment_id)
    if reply.state != ReplyState.uncertain:
        raise Conflict(
            "this reply is {state}; only uncertain replies can be confirmed", state=reply.state
        )
    reply.state, reply.error, reply.sent_at = ReplyState.sent, None, utcnow()
    db.add(reply)
    audit.record(db, actor=actor, action="comment.confirm", object_type="reply", object_id=reply.id)
    return reply


def _context(db: Session, comment: InboundComment) -> dict:
    delivery = db.get(Delivery, comment.delivery_id)
    post = db.get(Post, delivery.post_id)
    channel = db.get(Channel, comment.channel_id)
    around = db.exec(
        select(InboundComment)
        .where(InboundComment.delivery_id == comment.delivery_id, InboundComment.id != comment.id)
        .order_by(col(InboundComment.id).desc())
        .limit(10)
    ).all()
    thread = [(Message("the practice's post"), post.text, "visible")]
    thread += [(c.author_name, c.text, str(c.status)) for c in reversed(around)]
    return {
        "where": Message("comment on {channel} under post #{id}", channel=channel.name, id=post.id),
        "link": f"/posts/{post.id}#comment-{comment.id}",
        "author": Message("{name} (on {channel})", name=comment.author_name, channel=channel.name),
        "thread": thread,
    }


# What the review queue holds of this module's content; app/review/kinds.py registers it at start-up.
REVIEW_KINDS = {
    KIND: review.ContentKind(
        model=InboundComment,
        label="comment on a published post",
        context=_context,
        answer=answer,
        actions=("approve", "remove", "answer", "escalate"),
    )
}
