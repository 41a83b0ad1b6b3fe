"""Delivery state changes the dispatcher makes: claim, record, recover, and lay out recurrences.

Exactly once: a delivery is claimed (pending -> sending, with a lease) in a short transaction that skips
rows other workers hold; the result is recorded only by the claim's holder; a claim whose lease ran
out is never resent blindly but looked up on the channel first (needs_reconcile). A message found
on the channel settles one delivery only: the database holds each (channel, remote id) once, a
message another delivery holds is never taken, and when several could be this delivery's a person
decides (uncertain).
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, bindparam, exists, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.channels import gateway
from app.channels.models import Channel
from app.delivery.engine import Failure
from app.i18n import Message
from app.notifications import service as notifications
from app.posts.models import Delivery, DeliveryStatus, Post, PostChannel, PostMedia, PostStatus
from app.posts.thread_models import PostPart
from app.posts.threads import joined, sendable
from app.settings import get_settings
from connectors.base import ChannelError, Draft, ErrorKind, Media, Published
from scheduler.recurrence import Rule, latest_due, next_after


@dataclass
class Job:
    """Everything needed to send one claimed delivery, read in the claim's transaction."""

    delivery_id: int
    claim: str
    channel: Channel
    draft: Draft
    needs_reconcile: bool
    since: datetime
    attempts: int
    post_id: int
    author_id: int
    # A thread on X: (position, draft) of each part to send, the first included; empty otherwise.
    parts: list[tuple[int, Draft]] = field(default_factory=list)


def claim(*, db: Session, worker: str, now: datetime, limit: int) -> list[int]:
    """Mark up to `limit` due deliveries as sending for this worker; returns their ids.

    On PostgreSQL the CTE takes row locks with SKIP LOCKED, so concurrent workers pick disjoint rows;
    on SQLite the single UPDATE is atomic because SQLite has one writer at a time.
    """
    lease = now + timedelta(seconds=get_settings().dispatch_lease_seconds)
    due = (
        select(Delivery.id)
        .where(
            Delivery.status == DeliveryStatus.pending,
            Delivery.due_at <= now,
            or_(col(Delivery.next_attempt_at).is_(None), Delivery.next_attempt_at <= now),
            exists().where(Post.id == Delivery.post_id, Post.status == PostStatus.scheduled),
            exists().where(Channel.id == Delivery.channel_id, gateway.callable_now(now)),
        )
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    statement = (
        update(Delivery)
        .where(Delivery.id == due.c.id, Delivery.status == DeliveryStatus.pending)
        .values(
            status=DeliveryStatus.sending,
            claimed_by=worker,
            lease_until=lease,
            attempts=Delivery.attempts + 1,
            first_sent_at=func.coalesce(Delivery.first_sent_at, now),
        )
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in db.execute(statement)]


def load_jobs(*, db: Session, ids: list[int], worker: str, media_loader) -> list[Job]:
    """Read a claimed batch with its posts, channels, texts and media in a handful of queries."""
    rows = db.exec(
        select(Delivery, Post)
        .join(Post, Post.id == Delivery.post_id)
        .where(
            col(Delivery.id).in_(ids),
            Delivery.claimed_by == worker,
            Delivery.status == DeliveryStatus.sending,
        )
    ).all()
    post_ids = {post.id for _d, post in rows}
    channels_by_id = {
        c.id: c
        for c in db.exec(
            select(Channel).where(col(Channel.id).in_({d.channel_id for d, _p in rows}))
        )
    }
    overrides = {
        (t.post_id, t.channel_id): t.text_override
        for t in db.exec(
            select(PostChannel).where(
                col(PostChannel.post_id).in_(post_ids), col(PostChannel.text_override).is_not(None)
            )
        )
    }
    media: dict[int, list[Media]] = {}
    for item in db.exec(
        select(PostMedia).where(col(PostMedia.post_id).in_(post_ids)).order_by(PostMedia.id)
    ):
        media.setdefault(item.post_id, []).append(
            Media(item.filename, item.mime_type, media_loader(item))
        )
    parts: dict[int, list[PostPart]] = {}
    for part in db.exec(
        select(PostPart).where(col(PostPart.post_id).in_(post_ids)).order_by(PostPart.position)
    ):
        parts.setdefault(part.post_id, []).append(part)
    for channel in channels_by_id.values():
        db.expunge(channel)
    jobs = [
        Job(
            delivery.id,
            worker,
            channels_by_id[delivery.channel_id],
            Draft(
                overrides.get((post.id, delivery.channel_id)) or post.text,
                link=post.link,
                media=tuple(media.get(post.id, ())),
                reference=reference(delivery.id),
            ),
            delivery.needs_reconcile,
            delivery.first_sent_at or delivery.created_at,
            delivery.attempts,
            post.id,
            post.author_id,
        )
        for delivery, post in rows
    ]
    return [_as_thread(job, parts.get(job.post_id, [])) for job in jobs]


def _as_thread(job: Job, parts: list[PostPart]) -> Job:
    """On X a post with parts goes out as a thread; elsewhere its parts follow its text."""
    if not parts:
        return job
    if job.channel.kind != "x":
        return replace(job, draft=replace(job.draft, text=joined(job.draft.text, parts)))
    further = [(p.position, Draft(p.text)) for p in sendable(parts)]
    return replace(job, parts=[(1, job.draft), *further])


def reference(delivery_id: int) -> str:
    """The key a channel that can store one keeps with the delivery's message."""
    return f"carepost-delivery-{delivery_id}"


def match_found(*, conn: Connection, job: Job, found: list[Published]) -> Published | None:
    """Which of the messages found on the channel is this delivery's; None when none is.

    A message carrying the delivery's reference is decisive. Otherwise only messages no other
    delivery holds count: exactly one is this delivery's, several raise Undecided.
    """
    own = [p for p in found if p.reference and p.reference == job.draft.reference]
    if own:
        return own[-1]  # found newest first: the first copy is the one kept
    if not found:
        return None
    taken = set(
        conn.execute(
            select(Delivery.remote_id).where(
                Delivery.channel_id == job.channel.id,
                col(Delivery.remote_id).in_([p.remote_id for p in found]),
                Delivery.id != job.delivery_id,
            )
        ).scalars()
    )
    free = [p for p in found if p.remote_id not in taken and not p.reference]
    if len(free) > 1:
        raise Undecided()
    return free[0] if free else None


class Undecided(Exception):
    """Several messages on the channel could be this delivery's: a person must say which."""

    def __init__(self):
        super().__init__()
        self.error = ChannelError(
            ErrorKind.final,
            "the post may have gone out, but carepost cannot tell which post with this text on "
            "the channel is this one's; check the channel before sending it again",
            code="ambiguous",
        )


# Statements on the path of every send are built once; each send only binds its values.
_POST_STATUS = select(Post.status).where(Post.id == bindparam("post_id"))
_PUBLISHED = (
    update(Delivery)
    .where(
        Delivery.id == bindparam("delivery_id"),
        Delivery.claimed_by == bindparam("claim"),
        Delivery.status == DeliveryStatus.sending,
    )
    .values(
        status=DeliveryStatus.published,
        remote_id=bindparam("new_remote_id"),
        remote_url=bindparam("new_remote_url"),
        sent_at=bindparam("new_sent_at"),
        claimed_by=None,
        lease_until=None,
        needs_reconcile=False,
        last_error=None,
        error_code=None,
    )
)


def still_wanted(*, conn: Connection, job: Job) -> bool:
    """Read the post's state at send time: an edit, pause or cancel after the claim wins.

    Runs on a bare connection (no ORM session): it is on the path of every single send.
    """
    status = conn.execute(_POST_STATUS, {"post_id": job.post_id}).scalar_one()
    if status == PostStatus.scheduled:
        return True
    release(conn=conn, job=job)
    return False


def still_wanted_many(*, conn: Connection, jobs: list[Job]) -> list[Job]:
    """`still_wanted` for a chunk about to be sent: their posts' states in one query."""
    states = dict(
        conn.execute(
            select(Post.id, Post.status).where(col(Post.id).in_({job.post_id for job in jobs}))
        ).all()
    )
    wanted = []
    for job in jobs:
        if states.get(job.post_id) == PostStatus.scheduled:
            wanted.append(job)
        else:
            release(conn=conn, job=job)
    return wanted


def release(*, conn: Connection, job: Job) -> None:
    """Give an unsent claim back (the post was paused or edited meanwhile)."""
    conn.execute(
        update(Delivery)
        .where(Delivery.id == job.delivery_id, Delivery.claimed_by == job.claim)
        .values(
            status=DeliveryStatus.pending,
            claimed_by=None,
            lease_until=None,
            attempts=Delivery.attempts - 1,
        )
    )


def _owned(job: Job):
    return and_(
        Delivery.id == job.delivery_id,
        Delivery.claimed_by == job.claim,
        Delivery.status == DeliveryStatus.sending,
    )


def record_published(
    *, conn: Connection, job: Job, result: Published, now: datetime, reconciled: bool = False
) -> bool:
    """Store the remote id; False when the claim was lost. A bare connection, like still_wanted.

    Raises IntegrityError when another delivery holds this remote message already.
    """
    done = conn.execute(
        _PUBLISHED,
        {
            "delivery_id": job.delivery_id,
            "claim": job.claim,
            "new_remote_id": result.remote_id,
            "new_remote_url": result.url,
            "new_sent_at": now,
        },
    ).rowcount
    if done:
        audit.record_system(
            conn,
            action="delivery.published",
            object_type="delivery",
            object_id=job.delivery_id,
            channel=str(job.channel.kind),
            reconciled=reconciled,
        )
    return bool(done)


def record_failure(*, db: Session, job: Job, error: ChannelError, failure: Failure) -> str:
    """Write the engine's decision about a failed send; returns the new status."""
    values: dict = {
        "claimed_by": None,
        "lease_until": None,
        "last_error": failure.message[:500],
        "error_code": error.code,
        "status": DeliveryStatus(failure.status),
    }
    if failure.status == "pending":
        values["next_attempt_at"] = failure.next_attempt_at
        values["needs_reconcile"] = failure.needs_reconcile
        if failure.refund_attempt:
            values["attempts"] = Delivery.attempts - 1
    status = values["status"]
    if not db.execute(update(Delivery).where(_owned(job)).values(**values)).rowcount:
        return "lost"
    if status in (DeliveryStatus.failed, DeliveryStatus.uncertain):
        message = Message(
            "Post #{id} on {channel}: {status}: {error}",
            id=job.post_id,
            channel=job.channel.name,
            status=status,
            error=values["last_error"],
        )
        kind = f"delivery.{status}"
        if status == DeliveryStatus.uncertain:
            notifications.notify_uncertain(
                db=db,
                kind=kind,
                message=message,
                link=f"/posts/{job.post_id}#delivery-{job.delivery_id}",
                also=job.author_id,
            )
        else:
            notifications.notify(
                db=db,
                user_id=job.author_id,
                kind=kind,
                message=message,
                link=f"/posts/{job.post_id}",
            )
        audit.record(
            db,
            actor=None,
            action=f"delivery.{status}",
            object_type="delivery",
            object_id=job.delivery_id,
            channel=str(job.channel.kind),
            code=error.code,
        )
    return str(status)


def finish_posts(*, db: Session, post_ids: set[int]) -> None:
    """One-off posts with nothing left to send are done."""
    if not post_ids:
        return
    still_open = exists().where(
        Delivery.post_id == Post.id,
        col(Delivery.status).in_([DeliveryStatus.pending, DeliveryStatus.sending]),
    )
    db.exec(
        update(Post)
        .where(
            col(Post.id).in_(post_ids),
            Post.status == PostStatus.scheduled,
            col(Post.recurrence).is_(None),
            ~still_open,
        )
        .values(status=PostStatus.done)
        .execution_options(synchronize_session=False)
    )


def recover_expired(*, db: Session, now: datetime) -> int:
    """Claims whose lease ran out (a worker died mid-send): back to pending, to be looked up first."""
    result = db.execute(
        update(Delivery)
        .where(Delivery.status == DeliveryStatus.sending, Delivery.lease_until < now)
        .values(
            status=DeliveryStatus.pending,
            claimed_by=None,
            lease_until=None,
            needs_reconcile=True,
            next_attempt_at=now,
        )
    )
    return result.rowcount


def materialize_recurrences(*, db: Session, now: datetime) -> int:
    """Lay out the next occurrence of each recurring post that has come due.

    After downtime only the latest missed occurrence is sent, once; the post says how many were skipped.
    """
    zone = get_settings().zone
    posts = db.exec(
        select(Post)
        .where(
            Post.status == PostStatus.scheduled,
            col(Post.next_run_at).is_not(None),
            Post.next_run_at <= now,
        )
        .with_for_update(skip_locked=True)
    ).all()
    for post in posts:
        rule = Rule.from_dict(post.recurrence)
        due, skipped = latest_due(post.scheduled_at, rule, zone, post.next_run_at, now)
        if due is not None:
            _add_occurrence(db, post, due)
        if skipped:
            note = Message(
                "{n} occurrence(s) fell while carepost was not running; only the latest "
                "({when}) was sent",
                n=skipped,
                when=f"{due.astimezone(zone):%Y-%m-%d %H:%M}",
            )
            post.note = note[:500]
            notifications.notify(
                db=db,
                user_id=post.author_id,
                kind="recurrence.skipped",
                message=note,
                link=f"/posts/{post.id}",
            )
        post.next_run_at = next_after(post.scheduled_at, rule, zone, max(now, due or now))
        db.add(post)
    return len(posts)


def _add_occurrence(db: Session, post: Post, due: datetime) -> None:
    channel_ids = db.exec(
        select(PostChannel.channel_id).where(PostChannel.post_id == post.id)
    ).all()
    for channel_id in channel_ids:
        try:
            with db.begin_nested():
                db.add(Delivery(post_id=post.id, channel_id=channel_id, due_at=due))
        except IntegrityError:
            pass  # this occurrence is laid out already (unique post, channel, due_at)
