"""Moving a planned post to another day from the calendar, and queueing a post at a free slot."""

from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit import service as audit
from app.channels import service as channels
from app.clock import utcnow
from app.errors import Conflict
from app.planning import slots
from app.posts.checks import moment
from app.posts.models import Delivery, DeliveryStatus, Post, PostCreate, PostStatus
from app.settings import get_settings

# A post waiting for a clinician keeps waiting when moved: moving changes only when, never whether.
MOVABLE = {PostStatus.scheduled, PostStatus.paused, PostStatus.awaiting_approval}


def queue(*, db: Session, data: PostCreate, now: datetime, post_id: int | None = None) -> None:
    """Set the submitted post's time to the next free slot its channels share ("Add to queue").

    Only the time is chosen here: the post then goes through the same checks and approval gate as
    any post with a time (a health claim still waits for a clinician)."""
    chosen = channels.resolve(db=db, refs=data.channels)
    data.scheduled_at = slots.next_free_slot(
        db=db, channel_ids=[c.id for c in chosen], now=now, exclude_post_id=post_id
    )


def can_move(post: Post) -> bool:
    """Whether the calendar offers to move this post (the server checks again when asked)."""
    return post.status in MOVABLE and post.scheduled_at is not None and not post.recurrence


def move_to_day(*, db: Session, post: Post, day: date, actor: User) -> Post:
    """Move a planned one-off post to another day at the same local time, with its deliveries.

    The pending deliveries move in one statement; if any delivery of the post has been claimed or
    sent meanwhile the move is refused and the request's rollback undoes it."""
    if post.recurrence:
        raise Conflict("a repeating post is moved by editing it")
    if post.scheduled_at is None or post.status not in MOVABLE:
        raise Conflict("a post that is {status} cannot be moved", status=post.status)
    zone = get_settings().zone
    local = post.scheduled_at.astimezone(zone)
    when = moment(datetime.combine(day, local.time(), tzinfo=zone))
    db.execute(
        update(Delivery)
        .where(Delivery.post_id == post.id, Delivery.status == DeliveryStatus.pending)
        .values(due_at=when)
        .execution_options(synchronize_session=False)
    )
    gone = db.exec(
        select(Delivery.id).where(
            Delivery.post_id == post.id,
            col(Delivery.status).not_in([DeliveryStatus.pending, DeliveryStatus.cancelled]),
        )
    ).first()
    if gone is not None:
        raise Conflict("this post is being sent or has been sent: it can no longer be moved")
    post.scheduled_at = when
    post.version += 1
    post.updated_at = utcnow()
    db.add(post)
    audit.record(db, actor=actor, action="post.move", object_type="post", object_id=post.id)
    return post
