"""Publishing at once: bring forward what is not yet sent, or send a published post again as a new post."""

from sqlmodel import Session, select

from app.accounts.models import User
from app.audit import service as audit
from app.clock import utcnow
from app.errors import Conflict, InvalidInput
from app.posts.models import Delivery, DeliveryStatus, Post, PostCreate, PostStatus
from app.posts.service import (
    ask_clinicians,
    create,
    require_approval,
    status_after_change,
    targets,
)
from app.posts.threads import parts_of, sendable

ALREADY_PUBLISHED = (
    "this post is already published on its channels; to send it again, publish it again as a "
    "new post"
)


def _send_state(db: Session, post: Post) -> tuple[list[Delivery], list[int], bool]:
    """Deliveries waiting to be sent, target channels never sent to, and whether any went out."""
    deliveries = list(db.exec(select(Delivery).where(Delivery.post_id == post.id)))
    waiting = [d for d in deliveries if d.status == DeliveryStatus.pending]
    reached = {d.channel_id for d in deliveries}
    untouched = [t.channel_id for t, _c in targets(db=db, post=post) if t.channel_id not in reached]
    published = any(d.status == DeliveryStatus.published for d in deliveries)
    return waiting, untouched, published


def can_publish_now(*, db: Session, post: Post) -> bool:
    """Whether "publish now" has something not yet sent to bring forward."""
    if post.status not in (PostStatus.draft, PostStatus.approved, PostStatus.scheduled):
        return False
    waiting, untouched, _published = _send_state(db, post)
    return bool(waiting or (untouched and not post.recurrence))


def can_publish_again(*, db: Session, post: Post) -> bool:
    """A post that went out everywhere may only be sent again as a new post."""
    waiting, untouched, published = _send_state(db, post)
    return published and not waiting and not untouched


def publish_now(*, db: Session, post: Post, actor: User) -> Post:
    """Bring forward what is not yet sent (never a second copy of what went out)."""
    require_approval(post, "publish_now")
    waiting, untouched, published = _send_state(db, post)
    if post.status == PostStatus.done and published:
        raise Conflict(ALREADY_PUBLISHED)
    if post.status not in (PostStatus.draft, PostStatus.approved, PostStatus.scheduled):
        raise Conflict("a {status} post cannot be published now", status=str(post.status))
    now = utcnow()
    if post.recurrence:
        # The next laid-out occurrence goes now; the rhythm after it is unchanged.
        first = min((d.due_at for d in waiting), default=None)
        waiting = [d for d in waiting if d.due_at == first]
        untouched = []
    if not waiting and not untouched:
        if published:
            raise Conflict(ALREADY_PUBLISHED)
        raise Conflict("nothing of this post waits to be sent")
    for delivery in waiting:
        delivery.due_at = now
        db.add(delivery)
    for channel_id in untouched:
        db.add(Delivery(post_id=post.id, channel_id=channel_id, due_at=now))
    if not post.recurrence:
        post.scheduled_at = now
    post.status = PostStatus.scheduled
    post.version += 1
    db.add(post)
    audit.record(
        db,
        actor=actor,
        action="post.publish_now",
        object_type="post",
        object_id=post.id,
        deliveries=len(waiting) + len(untouched),
    )
    return post


def publish_again(*, db: Session, post: Post, actor: User, confirmed: bool) -> Post:
    """A copy of a published post as a new post, confirmed by the user; it needs its own approval."""
    if not confirmed:
        raise InvalidInput(
            "confirm that the same text should go out again as a new post", field="confirm"
        )
    if not can_publish_again(db=db, post=post):
        raise Conflict("only a post already published on all its channels can be published again")
    chosen = targets(db=db, post=post)
    data = PostCreate(
        text=post.text,
        link=post.link,
        channels=[t.channel_id for t, _c in chosen],
        channel_texts={str(t.channel_id): t.text_override for t, _c in chosen if t.text_override},
        health_claim=post.health_claim,
        parts=[p.text for p in sendable(parts_of(db=db, post_id=post.id))],
    )
    copy = create(db=db, author=actor, data=data)
    if post.needs_clinician and copy.status != PostStatus.awaiting_approval:
        copy.needs_clinician = True
        copy.status = status_after_change(copy)
        ask_clinicians(db, copy)
    audit.record(
        db,
        actor=actor,
        action="post.publish_again",
        object_type="post",
        object_id=copy.id,
        source=post.id,
    )
    return copy
