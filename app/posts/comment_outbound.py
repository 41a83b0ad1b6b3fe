"""Writes to a channel about comments, as kinds of the delivery engine: replies, and hiding or showing.

A reply (a staff answer, or the automatic one to an emergency) is appended to the channel, so a
second copy is a second public message: it is claimed once (SKIP LOCKED), checked again just before
sending (the comment removed, already answered, the post no longer published), and after a lost
claim or an unknown outcome the account's answers to that comment since the first claim are read
before anything is sent again; what cannot be settled is `uncertain` and a person is told.

Hiding sets a state on the channel rather than adding a message, so repeating it is harmless: it
is claimed and backed off the same way, but never needs reconciling and never ends uncertain.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.channels import gateway
from app.channels.models import Channel
from app.clock import utcnow
from app.database import session_scope
from app.delivery import engine
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
from app.review.models import ContentStatus
from app.settings import get_settings
from connectors.base import ChannelError, ErrorKind, Published

log = logging.getLogger("carepost.comments")
HIDDEN = (ContentStatus.hidden, ContentStatus.removed)
FAILED_HIDE_WAIT = timedelta(days=1)


@dataclass(frozen=True)
class ReplyJob:
    """Everything needed to post one claimed reply, read in the claim's holder's transaction."""

    reply_id: int
    claim: str
    channel: Channel
    comment_remote_id: str
    text: str
    since: datetime  # the first claim: an answer posted since then may be this reply's
    attempts: int
    needs_reconcile: bool


def _lease(now: datetime) -> datetime:
    return now + timedelta(seconds=get_settings().dispatch_lease_seconds)


def _channels(db: Session, ids: set[int]) -> dict[int, Channel]:
    """The channels by id, detached so they stay readable after the session closes."""
    found = {c.id: c for c in db.exec(select(Channel).where(col(Channel.id).in_(ids)))}
    for channel in found.values():
        db.expunge(channel)
    return found


def _owned_reply(job: ReplyJob):
    return (
        col(CommentReply.id) == job.reply_id,
        CommentReply.claimed_by == job.claim,
        CommentReply.state == ReplyState.sending,
    )


_RELEASED = {"claimed_by": None, "lease_until": None}


class CommentReplies:
    """Claim, load, check, send and record `CommentReply` rows (a public answer to a comment)."""

    name = "comment_reply"
    uses_connection = False  # each step is its own short transaction: none is held while sending

    def prepare(self, *, now: datetime) -> int:
        """Claims whose lease ran out go back to pending, to be looked up before any resend."""
        with session_scope() as db:
            return db.execute(
                update(CommentReply)
                .where(CommentReply.state == ReplyState.sending, CommentReply.lease_until < now)
                .values(
                    state=ReplyState.pending, needs_reconcile=True, next_attempt_at=now, **_RELEASED
                )
            ).rowcount

    def claim(self, *, worker: str, now: datetime, limit: int) -> list[int]:
        """Up to `limit` due replies (the automatic ones first), pending -> sending with a lease."""
        callable_channel = exists().where(
            col(InboundComment.id) == CommentReply.comment_id,
            col(Channel.id) == InboundComment.channel_id,
            gateway.callable_now(now),
        )
        due = (
            select(CommentReply.id)
            .where(
                CommentReply.state == ReplyState.pending,
                or_(
                    col(CommentReply.next_attempt_at).is_(None),
                    col(CommentReply.next_attempt_at) <= now,
                ),
                callable_channel,
            )
            .order_by(col(CommentReply.automatic).desc(), col(CommentReply.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due_replies")
        )
        statement = (
            update(CommentReply)
            .where(col(CommentReply.id) == due.c.id, CommentReply.state == ReplyState.pending)
            .values(
                state=ReplyState.sending,
                claimed_by=worker,
                lease_until=_lease(now),
                attempts=CommentReply.attempts + 1,
                claimed_at=func.coalesce(CommentReply.claimed_at, now),
            )
            .returning(CommentReply.id)
            .execution_options(synchronize_session=False)
        )
        with session_scope() as db:
            return [row[0] for row in db.execute(statement)]

    def load(self, *, ids: list[int], claim: str) -> list[ReplyJob]:
        with session_scope() as db:
            rows = db.exec(
                select(CommentReply, InboundComment)
                .join(InboundComment, col(InboundComment.id) == CommentReply.comment_id)
                .where(
                    col(CommentReply.id).in_(ids),
                    CommentReply.claimed_by == claim,
                    CommentReply.state == ReplyState.sending,
                )
            ).all()
            channels = _channels(db, {comment.channel_id for _r, comment in rows})
            return [
                ReplyJob(
                    reply.id,
                    claim,
                    channels[comment.channel_id],
                    comment.remote_id,
                    reply.text,
                    reply.claimed_at or reply.created_at,
                    reply.attempts,
                    reply.needs_reconcile,
                )
                for reply, comment in rows
            ]

    def still_wanted(self, job: ReplyJob, conn) -> bool:
        """Read the comment, its post and its other replies now: what changed after the claim wins."""
        with session_scope() as db:
            reply = db.exec(
                select(CommentReply).where(*_owned_reply(job)).with_for_update()
            ).first()
            if reply is None:
                return False  # the claim was lost (its lease ran out and another worker took it)
            reason = _unwanted(db, reply)
            if reason is None:
                return True
            reply.state, reply.error = ReplyState.cancelled, reason
            reply.claimed_by, reply.lease_until = None, None
            db.add(reply)
            audit.record(
                db,
                actor=None,
                action="comment.reply_cancelled",
                object_type="reply",
                object_id=reply.id,
                reason=reason,
            )
            return False

    def needs_reconcile(self, job: ReplyJob) -> bool:
        return job.needs_reconcile

    def attempts(self, job: ReplyJob) -> int:
        return job.attempts

    def find(self, job: ReplyJob) -> list[Published]:
        return gateway.call(
            job.channel, lambda c: c.find_replies(job.comment_remote_id, job.text, job.since)
        )

    def match(self, job: ReplyJob, found: list[Published], conn) -> Published | None:
        """The answer found is this reply's unless another reply holds it; several free ones mean
        carepost cannot tell which is this one's, and a person decides."""
        with session_scope() as db:
            taken = set(
                db.exec(
                    select(CommentReply.remote_id).where(
                        col(CommentReply.remote_id).in_([p.remote_id[:100] for p in found]),
                        col(CommentReply.id) != job.reply_id,
                    )
                )
            )
        free = [p for p in found if p.remote_id[:100] not in taken]
        if len(free) > 1:
            raise engine.Undecided(
                ChannelError(
                    ErrorKind.final,
                    "the reply may have been posted, but several answers with this text are "
                    "under the comment; check the channel before sending it again",
                    code="ambiguous",
                )
            )
        return free[0] if free else None

    def send(self, job: ReplyJob) -> Published:
        return gateway.call(job.channel, lambda c: c.reply(job.comment_remote_id, job.text))

    def record_sent(self, job: ReplyJob, result: Published, conn, *, reconciled: bool) -> bool:
        try:
            with session_scope() as db:
                done = db.execute(
                    update(CommentReply)
                    .where(*_owned_reply(job))
                    .values(
                        state=ReplyState.sent,
                        remote_id=result.remote_id[:100],
                        remote_url=(result.url or "")[:500] or None,
                        sent_at=utcnow(),
                        error=None,
                        needs_reconcile=False,
                        next_attempt_at=None,
                        **_RELEASED,
                    )
                ).rowcount
                if done:
                    audit.record(
                        db,
                        actor=None,
                        action="comment.reply_sent",
                        object_type="reply",
                        object_id=job.reply_id,
                        channel=str(job.channel.kind),
                        reconciled=reconciled,
                    )
                return bool(done)
        except IntegrityError:
            raise engine.Conflict() from None

    def record_failure(self, job: ReplyJob, error: ChannelError, failure: engine.Failure) -> str:
        values: dict = {"state": ReplyState(failure.status), "error": failure.message[:300]}
        if failure.status == "pending":
            values["next_attempt_at"] = failure.next_attempt_at
            values["needs_reconcile"] = failure.needs_reconcile
            if failure.refund_attempt:
                values["attempts"] = CommentReply.attempts - 1
        with session_scope() as db:
            done = db.execute(
                update(CommentReply).where(*_owned_reply(job)).values(**values, **_RELEASED)
            ).rowcount
            if not done:
                return "lost"
            if failure.status != "pending":
                _tell(db, job.reply_id, values["state"])
            log.warning("reply %s: %s (%s)", job.reply_id, failure.status, error.code or error.kind)
            return failure.status

    def finish_key(self, job: ReplyJob) -> None:
        return None

    def finish(self, jobs: list[ReplyJob]) -> None:
        return None


def _unwanted(db: Session, reply: CommentReply) -> str | None:
    """Why the reply should no longer go out, or None when it should."""
    comment = db.get(InboundComment, reply.comment_id)
    if comment is None or comment.status == ContentStatus.removed:
        return "the comment was removed before the reply went out"
    delivery = db.get(Delivery, comment.delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.published:
        return "the post is no longer published on the channel"
    answered = select(CommentReply.id).where(
        CommentReply.comment_id == reply.comment_id,
        col(CommentReply.id) != reply.id,
        CommentReply.state == ReplyState.sent,
    )
    if reply.automatic and db.exec(answered.where(col(CommentReply.automatic).is_(False))).first():
        return "a person answered the comment before the automatic reply went out"
    if db.exec(answered.where(CommentReply.text == reply.text)).first():
        return "the comment was already answered with this text"
    return None


def _tell(db: Session, reply_id: int, state: ReplyState) -> None:
    """A failed reply is its author's to look at; an uncertain one the admins' too."""
    reply = db.get(CommentReply, reply_id)
    comment = db.get(InboundComment, reply.comment_id)
    post = db.get(Post, db.get(Delivery, comment.delivery_id).post_id)
    who = reply.author_id or post.author_id
    link = f"/posts/{post.id}#reply-{reply.id}"
    if state == ReplyState.uncertain:
        message = Message(
            N_("A reply to a comment on post #{id} may not have been posted: {error}"),
            id=post.id,
            error=reply.error or "",
        )
        notifications.notify_uncertain(
            db=db, kind="reply.uncertain", message=message, link=link, also=who
        )
    else:
        message = Message(
            N_("A reply to a comment on post #{id} could not be posted: {error}"),
            id=post.id,
            error=reply.error or "",
        )
        notifications.notify(db=db, user_id=who, kind=f"reply.{state}", message=message, link=link)
    audit.record(
        db, actor=None, action=f"comment.reply_{state}", object_type="reply", object_id=reply.id
    )


# --- hiding and showing comments ------------------------------------------------------------


@dataclass
class VisibilityJob:
    comment_id: int
    claim: str
    channel: Channel
    remote_id: str
    attempts: int
    hide: bool = True  # decided just before sending, from the comment's status then


def _owned_sync(job: VisibilityJob):
    return (
        col(InboundComment.id) == job.comment_id,
        InboundComment.sync_claimed_by == job.claim,
    )


def _out_of_line():
    """Comments whose visibility on the channel differs from carepost's verdict."""
    hidden = col(InboundComment.status).in_(HIDDEN)
    return or_(
        hidden & col(InboundComment.hidden_on_channel).is_(False),
        ~hidden & col(InboundComment.hidden_on_channel).is_(True),
    )


_SYNC_RELEASED = {"sync_claimed_by": None, "sync_lease_until": None}


class CommentVisibility:
    """Claim, check, send and record hiding (or showing again) an `InboundComment` on its channel."""

    name = "comment_visibility"
    uses_connection = False

    def prepare(self, *, now: datetime) -> int:
        """A dead worker's claims are let go; repeating a hide is harmless, nothing to look up."""
        with session_scope() as db:
            return db.execute(
                update(InboundComment)
                .where(
                    col(InboundComment.sync_claimed_by).is_not(None),
                    InboundComment.sync_lease_until < now,
                )
                .values(**_SYNC_RELEASED)
            ).rowcount

    def claim(self, *, worker: str, now: datetime, limit: int) -> list[int]:
        callable_channel = exists().where(
            col(Channel.id) == InboundComment.channel_id, gateway.callable_now(now)
        )
        due = (
            select(InboundComment.id)
            .where(
                _out_of_line(),
                col(InboundComment.sync_claimed_by).is_(None),
                or_(
                    col(InboundComment.sync_after).is_(None), col(InboundComment.sync_after) <= now
                ),
                callable_channel,
            )
            .order_by(col(InboundComment.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due_visibility")
        )
        statement = (
            update(InboundComment)
            .where(
                col(InboundComment.id) == due.c.id,
                col(InboundComment.sync_claimed_by).is_(None),
            )
            .values(
                sync_claimed_by=worker,
                sync_lease_until=_lease(now),
                sync_attempts=InboundComment.sync_attempts + 1,
            )
            .returning(InboundComment.id)
            .execution_options(synchronize_session=False)
        )
        with session_scope() as db:
            return [row[0] for row in db.execute(statement)]

    def load(self, *, ids: list[int], claim: str) -> list[VisibilityJob]:
        with session_scope() as db:
            rows = db.exec(
                select(InboundComment).where(
                    col(InboundComment.id).in_(ids), InboundComment.sync_claimed_by == claim
                )
            ).all()
            channels = _channels(db, {c.channel_id for c in rows})
            return [
                VisibilityJob(c.id, claim, channels[c.channel_id], c.remote_id, c.sync_attempts)
                for c in rows
            ]

    def still_wanted(self, job: VisibilityJob, conn) -> bool:
        """The verdict now decides whether to hide or show; nothing to do when already in line."""
        with session_scope() as db:
            comment = db.exec(
                select(InboundComment).where(*_owned_sync(job)).with_for_update()
            ).first()
            if comment is None:
                return False
            job.hide = comment.status in HIDDEN
            if job.hide != comment.hidden_on_channel:
                return True
            comment.sync_claimed_by, comment.sync_lease_until = None, None
            comment.sync_attempts = 0
            db.add(comment)
            return False

    def needs_reconcile(self, job: VisibilityJob) -> bool:
        return False  # hiding twice leaves the comment hidden: it is simply done again

    def attempts(self, job: VisibilityJob) -> int:
        return job.attempts

    def find(self, job: VisibilityJob) -> list:
        return []

    def match(self, job: VisibilityJob, found: list, conn) -> None:
        return None

    def send(self, job: VisibilityJob) -> bool:
        gateway.call(job.channel, lambda c: c.hide_comment(job.remote_id, job.hide))
        return job.hide

    def record_sent(self, job: VisibilityJob, result: bool, conn, *, reconciled: bool) -> bool:
        with session_scope() as db:
            return bool(
                db.execute(
                    update(InboundComment)
                    .where(*_owned_sync(job))
                    .values(
                        hidden_on_channel=result,
                        sync_error=None,
                        sync_after=None,
                        sync_attempts=0,
                        **_SYNC_RELEASED,
                    )
                ).rowcount
            )

    def record_failure(
        self, job: VisibilityJob, error: ChannelError, failure: engine.Failure
    ) -> str:
        """Back off; once out of attempts (or refused) wait a day and try again from scratch:
        a hide that may or may not have happened is done again, never left uncertain."""
        values: dict = {"sync_error": failure.message[:300], **_SYNC_RELEASED}
        if failure.status == "pending":
            values["sync_after"] = failure.next_attempt_at
            if failure.refund_attempt:
                values["sync_attempts"] = InboundComment.sync_attempts - 1
        else:
            values["sync_after"] = utcnow() + FAILED_HIDE_WAIT
            values["sync_attempts"] = 0
        with session_scope() as db:
            done = db.execute(
                update(InboundComment).where(*_owned_sync(job)).values(**values)
            ).rowcount
        return "lost" if not done else ("pending" if failure.status == "pending" else "failed")

    def finish_key(self, job: VisibilityJob) -> None:
        return None

    def finish(self, jobs: list[VisibilityJob]) -> None:
        return None


REPLIES = CommentReplies()
VISIBILITY = CommentVisibility()
engine.register(CommentReplies.name, lambda: REPLIES)
engine.register(CommentVisibility.name, lambda: VISIBILITY)
