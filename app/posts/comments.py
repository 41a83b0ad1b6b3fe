"""Comments people leave on published posts: fetched from each channel, screened, answered.

Every comment is scored like any other content. What the policy hides (misinformation, exposed health
data, spam) is hidden on the channel too, and shown again if a reviewer approves it; an emergency or
a request for a dose gets the automatic public reply at once and waits for a clinician, whose answer
is posted under the comment. Network calls happen outside database transactions; each result is
written in its own short one.
"""

import logging
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
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import N_, Message
from app.notifications import service as notifications
from app.posts.models import (
    CommentReply,
    Delivery,
    DeliveryStatus,
    InboundComment,
    Post,
    ReplyState,
)
from app.settings import get_settings
from connectors.base import ChannelError, Comment, ErrorKind
from moderation import review, scoring
from moderation.models import ContentStatus
from moderation.text import language
from scheduler.retries import next_attempt

log = logging.getLogger("carepost.comments")
KIND = "channel_comment"
OVERLAP = timedelta(minutes=5)  # channels index comments with a small delay: look a little back
HIDDEN = (ContentStatus.hidden, ContentStatus.removed)
MAX_REPLY_ATTEMPTS = 6


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


def _failure_values(error: ChannelError) -> dict:
    """Try again after a back-off (or the channel's reset time); a final refusal waits a day."""
    now = utcnow()
    retry = error.kind != ErrorKind.final
    return {
        "sync_error": error.message[:300],
        "sync_after": next_attempt(now, 1, error.retry_at) if retry else now + timedelta(days=1),
    }


def sync_visibility(limit: int = 100) -> Round:
    """Hide on the channel what carepost hides, and show again what a reviewer approved."""
    result = Round()
    now = utcnow()
    with session_scope() as db:
        query = (
            select(InboundComment, Channel)
            .join(Channel, col(Channel.id) == InboundComment.channel_id)
            .where(
                or_(
                    col(InboundComment.status).in_(HIDDEN)
                    & col(InboundComment.hidden_on_channel).is_(False),
                    col(InboundComment.status).not_in(HIDDEN)
                    & col(InboundComment.hidden_on_channel).is_(True),
                ),
                or_(
                    col(InboundComment.sync_after).is_(None), col(InboundComment.sync_after) <= now
                ),
                gateway.callable_now(now),
            )
            .order_by(col(InboundComment.id))
            .limit(limit)
        )
        work = [(c.id, c.remote_id, c.status in HIDDEN, ch) for c, ch in db.exec(query)]
    for comment_id, remote_id, hide, channel in work:
        try:
            gateway.call(channel, lambda c, r=remote_id, h=hide: c.hide_comment(r, h))
            values = {"hidden_on_channel": hide, "sync_error": None, "sync_after": None}
            result.synced += 1
        except ChannelError as error:
            values = _failure_values(error)
            result.errors += 1
        with session_scope() as db:
            db.exec(
                update(InboundComment).where(col(InboundComment.id) == comment_id).values(**values)
            )
    return result


def send_replies(limit: int = 50) -> Round:
    """Post the pending replies. A reply is marked uncertain while it is sent, so a crash never
    leads to a second copy: a person checks the channel and sends it again if it is not there."""
    result = Round()
    now = utcnow()
    with session_scope() as db:
        query = (
            select(CommentReply.id, CommentReply.attempts, InboundComment.remote_id, Channel)
            .join(InboundComment, col(InboundComment.id) == CommentReply.comment_id)
            .join(Channel, col(Channel.id) == InboundComment.channel_id)
            .where(
                CommentReply.state == ReplyState.pending,
                or_(
                    col(CommentReply.next_attempt_at).is_(None),
                    col(CommentReply.next_attempt_at) <= now,
                ),
                gateway.callable_now(now),
            )
            .order_by(col(CommentReply.automatic).desc(), col(CommentReply.id))
            .limit(limit)
        )
        work = list(db.exec(query))
    for reply_id, attempts, comment_remote_id, channel in work:
        with session_scope() as db:
            claimed = db.exec(
                update(CommentReply)
                .where(
                    col(CommentReply.id) == reply_id,
                    CommentReply.state == ReplyState.pending,
                    col(CommentReply.attempts) == attempts,
                )
                .values(
                    state=ReplyState.uncertain,
                    attempts=attempts + 1,
                    error="the send was interrupted; check the channel before sending again",
                )
            ).rowcount
            text = db.get(CommentReply, reply_id).text if claimed else None
        if not claimed:
            continue
        try:
            published = gateway.call(channel, lambda c, r=comment_remote_id, t=text: c.reply(r, t))
            values = {
                "state": ReplyState.sent,
                "error": None,
                "remote_id": published.remote_id[:100],
                "remote_url": (published.url or "")[:500] or None,
                "sent_at": utcnow(),
            }
            result.replied += 1
        except ChannelError as error:
            result.errors += 1
            values = {"error": error.message[:300]}
            if error.kind == ErrorKind.unknown:
                values["state"] = ReplyState.uncertain
            elif error.kind == ErrorKind.final or attempts + 1 >= MAX_REPLY_ATTEMPTS:
                values["state"] = ReplyState.failed
            else:
                values["state"] = ReplyState.pending
                values["next_attempt_at"] = next_attempt(utcnow(), attempts + 1, error.retry_at)
        with session_scope() as db:
            db.exec(update(CommentReply).where(col(CommentReply.id) == reply_id).values(**values))
            if values["state"] in (ReplyState.failed, ReplyState.uncertain):
                _tell_about_reply(db, reply_id, values["state"])
    return result


def _tell_about_reply(db: Session, reply_id: int, state: ReplyState) -> None:
    reply = db.get(CommentReply, reply_id)
    comment = db.get(InboundComment, reply.comment_id)
    delivery = db.get(Delivery, comment.delivery_id)
    post = db.get(Post, delivery.post_id)
    who = reply.author_id or post.author_id
    what = (
        N_("A reply to a comment on post #{id} could not be posted: {error}")
        if state == ReplyState.failed
        else N_("A reply to a comment on post #{id} may not have been posted: {error}")
    )
    notifications.notify(
        db=db,
        user_id=who,
        kind=f"reply.{state}",
        message=Message(what, id=post.id, error=reply.error or ""),
        link=f"/posts/{post.id}#comments",
    )


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


review.register(
    KIND,
    review.ContentKind(
        model=InboundComment,
        label="comment on a published post",
        context=_context,
        answer=answer,
        actions=("approve", "remove", "answer", "escalate"),
    ),
)
