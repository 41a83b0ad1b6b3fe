"""The editorial life of a post: compose, approve, schedule, edit, pause, cancel."""

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit import service as audit
from app.channels.models import Channel
from app.clock import utcnow
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.i18n import Message
from app.notifications import service as notifications
from app.posts import review_versions, threads
from app.posts.checks import (
    PAST_TOLERANCE,
    Checked,
    channel_texts,
    check,
    check_link,
    check_texts,
    check_thread,
    parse_schedule,
)
from app.posts.models import (
    Delivery,
    DeliveryPublic,
    DeliveryStatus,
    Post,
    PostChannel,
    PostCreate,
    PostPublic,
    PostStatus,
)
from app.review import scoring
from app.review import service as review_queue
from app.review.models import ModerationLabel, ReviewStatus
from app.settings import get_settings
from scheduler.recurrence import Rule, next_after, occurrences

# The kind of review item a post waiting for a clinician's approval has in the review queue.
APPROVAL_KIND = "post_approval"
MAX_ID = 2**31 - 1  # an id beyond the column's range is simply not there (PostgreSQL integer)
EDITABLE = {
    PostStatus.draft,
    PostStatus.awaiting_approval,
    PostStatus.approved,
    PostStatus.rejected,
    PostStatus.scheduled,
    PostStatus.paused,
}


class ApprovalRequired(Conflict):
    """A health claim or a flagged post without a clinician's approval of this version."""

    def __init__(self, post: Post, attempted: str):
        super().__init__(
            "a clinician must approve this version of the post (a health claim, a rejected post or "
            "one flagged by moderation) before it is scheduled or published"
        )
        self.post_id, self.attempted = post.id, attempted


def record_refusal(*, db: Session, error: ApprovalRequired, actor: User) -> None:
    """Leave the refused attempt in the audit log (call after the request's rollback, then commit)."""
    audit.record(
        db,
        actor=actor,
        action="post.approval_refused",
        object_type="post",
        object_id=error.post_id,
        attempted=error.attempted,
    )


def get(*, db: Session, post_id: int) -> Post:
    """The post with this id, or NotFound."""
    post = db.get(Post, post_id) if 0 < post_id <= MAX_ID else None
    if post is None:
        raise NotFound("no such post")
    return post


def targets(*, db: Session, post: Post) -> list[tuple[PostChannel, Channel]]:
    """The post's channels with their per-channel texts."""
    query = (
        select(PostChannel, Channel)
        .join(Channel, Channel.id == PostChannel.channel_id)
        .where(PostChannel.post_id == post.id)
        .order_by(Channel.name)
    )
    return list(db.exec(query))


def text_for(post: Post, target: PostChannel) -> str:
    return target.text_override or post.text


def _set_targets(db: Session, post: Post, texts: list[tuple[Channel, str]]) -> None:
    db.exec(delete(PostChannel).where(PostChannel.post_id == post.id))
    for channel, text in texts:
        db.add(
            PostChannel(
                post_id=post.id,
                channel_id=channel.id,
                text_override=None if text == post.text else text,
            )
        )


def _reset_schedule(db: Session, post: Post) -> None:
    """Drop deliveries not yet sent and lay out the first occurrence again (edits always win)."""
    sending = db.exec(
        select(Delivery.id).where(
            Delivery.post_id == post.id, Delivery.status == DeliveryStatus.sending
        )
    ).first()
    if sending:
        raise Conflict("this post is being sent right now; try again in a minute")
    if threads.any_sent(db=db, post_id=post.id):
        raise Conflict(
            "part of this thread is already on X: it cannot be changed; add a part to continue it"
        )
    db.exec(
        delete(Delivery).where(
            Delivery.post_id == post.id, Delivery.status == DeliveryStatus.pending
        )
    )
    db.flush()
    post.next_run_at = None
    if post.scheduled_at is None:
        return
    first = post.scheduled_at
    if post.recurrence:
        rule = Rule.from_dict(post.recurrence)
        first = max(first, utcnow() - PAST_TOLERANCE)
        first = next(
            (m for m in occurrences(post.scheduled_at, rule, get_settings().zone) if m >= first),
            None,
        )
        if first is None:
            return
        post.next_run_at = next_after(post.scheduled_at, rule, get_settings().zone, first)
    existing = db.exec(
        select(Delivery.channel_id).where(Delivery.post_id == post.id, Delivery.due_at == first)
    )
    done = set(existing)
    for target, _channel in targets(db=db, post=post):
        if target.channel_id not in done:
            db.add(Delivery(post_id=post.id, channel_id=target.channel_id, due_at=first))


def needs_approval(post: Post) -> bool:
    """Health claims, flagged posts and posts once sent to clinicians wait for a sign-off."""
    wants_clinician = post.health_claim or post.moderation_flags or post.needs_clinician
    return bool(wants_clinician) and post.reviewed_at is None


def require_approval(post: Post, attempted: str) -> None:
    """Refuse to let an unapproved health claim or flagged post out (ApprovalRequired)."""
    if needs_approval(post):
        raise ApprovalRequired(post, attempted)


def _screen(post: Post, texts: list[tuple[Channel, str]], parts: list[str] = ()) -> None:
    """Score every text the post will publish; the flags and their reasons stay on the post."""
    every = [post.text, *(text for _c, text in texts), *parts]
    results = scoring.score(list(dict.fromkeys(every)))
    flags = sorted({flag for result in results for flag in result.flags})
    post.moderation_flags = flags or None
    if flags:
        post.needs_clinician = True


def status_after_change(post: Post) -> PostStatus:
    """The status a post takes after it changed: awaiting approval, scheduled, approved or draft."""
    if needs_approval(post):
        # Once it has gone to clinicians, only a clinician's approval lets it out again.
        post.needs_clinician = True
        return PostStatus.awaiting_approval
    return (
        PostStatus.scheduled
        if post.scheduled_at
        else (PostStatus.approved if post.reviewed_at else PostStatus.draft)
    )


def create(*, db: Session, author: User, data: PostCreate, checked: Checked | None = None) -> Post:
    """A new post; health claims wait for a clinician, others are scheduled when a time is given."""
    checked = checked or check(db=db, data=data)
    texts, when, rule = checked.texts, checked.when, checked.rule
    post = Post(
        author_id=author.id,
        text=data.text.strip(),
        link=data.link,
        health_claim=data.health_claim,
        scheduled_at=when,
        recurrence=rule.to_dict() if rule else None,
    )
    parts = check_thread(data, rule)
    _screen(post, texts, parts)
    db.add(post)
    db.flush()
    _set_targets(db, post, texts)
    threads.replace_parts(db=db, post=post, texts=parts)
    db.flush()
    post.status = status_after_change(post)
    _reset_schedule(db, post)
    audit.record(
        db,
        actor=author,
        action="post.create",
        object_type="post",
        object_id=post.id,
        status=str(post.status),
        health_claim=post.health_claim,
        channels=len(texts),
    )
    _follow_approval(db, post, author)
    return post


def update(
    *, db: Session, post: Post, data: PostCreate, actor: User, expected_version: int | None = None
) -> Post:
    """Edit a post; any change to an approved health claim sends it back for approval."""
    if post.status not in EDITABLE:
        raise Conflict("a post that is {status} cannot be edited", status=post.status)
    if expected_version is not None and expected_version != post.version:
        raise Conflict("someone else changed this post meanwhile; reload it")
    check_link(data.link)
    texts = channel_texts(db, data)
    check_texts(texts, data.link)
    when, rule = parse_schedule(data)
    parts = check_thread(data, rule)
    if threads.any_sent(db=db, post_id=post.id):
        raise Conflict(
            "part of this thread is already on X: it cannot be changed; add a part to continue it"
        )
    # After a rejection or a flag the claim stays: the author cannot talk the post out of review.
    claim_kept = post.needs_clinician and post.health_claim and not data.health_claim
    if claim_kept:
        audit.record(
            db,
            actor=actor,
            action="post.claim_clear_refused",
            object_type="post",
            object_id=post.id,
        )
    health_claim = data.health_claim or (post.needs_clinician and post.health_claim)
    post.text, post.link, post.health_claim = data.text.strip(), data.link, health_claim
    post.scheduled_at, post.recurrence = when, rule.to_dict() if rule else None
    was_approved = post.reviewed_at is not None
    post.reviewed_at = post.reviewed_by = None
    post.review_comment = None
    post.version += 1
    post.updated_at = utcnow()
    _screen(post, texts, parts)
    _set_targets(db, post, texts)
    threads.replace_parts(db=db, post=post, texts=parts)
    db.flush()
    post.status = status_after_change(post)
    _reset_schedule(db, post)
    db.add(post)
    audit.record(
        db,
        actor=actor,
        action="post.edit",
        object_type="post",
        object_id=post.id,
        status=str(post.status),
        reapproval=was_approved and post.health_claim,
        needs_clinician=post.needs_clinician,
        claim_kept=claim_kept,
    )
    _follow_approval(db, post, actor)
    return post


def _follow_approval(db: Session, post: Post, actor: User) -> None:
    """The post's item in the review queue follows its status: open while it awaits approval."""
    if post.status == PostStatus.awaiting_approval:
        ask_clinicians(db, post)
    else:
        review_queue.close(
            db, kind=APPROVAL_KIND, target_id=post.id, status=ReviewStatus.withdrawn, actor=actor
        )


def ask_clinicians(db: Session, post: Post) -> None:
    """Put the post in the clinicians' review queue and tell them it waits for their review."""
    flags = ["health_claim"] if post.health_claim else []
    review_queue.request_decision(
        db, kind=APPROVAL_KIND, target=post, flags=flags + list(post.moderation_flags or [])
    )
    notifications.notify_clinicians(
        db=db,
        kind="approval.requested",
        message=Message("Post #{id} makes a health claim and waits for your review", id=post.id),
        link=f"/posts/{post.id}",
    )


def review(
    *,
    db: Session,
    post: Post,
    clinician: User,
    approve: bool,
    comment: str | None,
    expected_version: int | None = None,
) -> Post:
    """A verified clinician approves or rejects a post awaiting approval."""
    if not clinician.is_verified_clinician:
        raise PermissionDenied("only verified clinicians review health claims")
    if post.status != PostStatus.awaiting_approval:
        raise Conflict("this post is not waiting for approval")
    if expected_version is not None and expected_version != post.version:
        raise Conflict("the post changed since you opened it; review the new version")
    if not approve and not (comment and comment.strip()):
        raise InvalidInput(
            "say why the post is rejected, so the author can fix it", field="comment"
        )
    post.reviewed_by, post.reviewed_at = clinician.id, utcnow()
    post.review_comment = (comment or "").strip()[:1000] or None
    review_versions.record(
        db, post=post, clinician=clinician, approved=approve, comment=post.review_comment
    )
    review_queue.close(
        db,
        kind=APPROVAL_KIND,
        target_id=post.id,
        status=ReviewStatus.approved if approve else ReviewStatus.rejected,
        actor=clinician,
        note=post.review_comment,
    )
    if approve:
        post.status = PostStatus.scheduled if post.scheduled_at else PostStatus.approved
    else:
        post.status, post.reviewed_at = PostStatus.rejected, None
        post.needs_clinician = True
    post.version += 1
    db.add(post)
    audit.record(
        db,
        actor=clinician,
        action="post.approve" if approve else "post.reject",
        object_type="post",
        object_id=post.id,
    )
    if post.moderation_flags:
        # The clinician's verdict on a flagged post is a label the next model learns from.
        labels = "" if approve else ";".join(post.moderation_flags)
        db.add(ModerationLabel(text=post.text, labels=labels, decided_by=clinician.id))
    verdict = "approved" if approve else "rejected"
    message = (
        Message("Post #{id} was approved by {name}", id=post.id, name=clinician.display_name)
        if approve
        else Message("Post #{id} was rejected by {name}", id=post.id, name=clinician.display_name)
    )
    notifications.notify(
        db=db,
        user_id=post.author_id,
        kind=f"post.{verdict}",
        message=message,
        link=f"/posts/{post.id}",
    )
    return post


def submit_for_approval(*, db: Session, post: Post, actor: User) -> Post:
    """Ask clinicians to review a draft or a rejected post."""
    if post.status not in (PostStatus.draft, PostStatus.rejected):
        raise Conflict("a post that is {status} cannot be sent for approval", status=post.status)
    post.health_claim = post.needs_clinician = True
    post.status = PostStatus.awaiting_approval
    post.version += 1
    db.add(post)
    audit.record(db, actor=actor, action="post.submit", object_type="post", object_id=post.id)
    ask_clinicians(db, post)
    return post


def schedule(
    *, db: Session, post: Post, when: datetime, actor: User, recurrence: dict | None = None
) -> Post:
    """Schedule (or reschedule) an approved or plain post for `when`."""
    if post.status in (PostStatus.cancelled, PostStatus.done):
        raise Conflict("a post that is {status} cannot be scheduled", status=post.status)
    require_approval(post, "schedule")
    data = PostCreate(
        text=post.text,
        link=post.link,
        channels=[t.channel_id for t, _c in targets(db=db, post=post)],
        scheduled_at=when,
        recurrence=recurrence if recurrence is not None else post.recurrence,
    )
    scheduled_at, rule = parse_schedule(data)
    post.scheduled_at, post.recurrence = scheduled_at, rule.to_dict() if rule else None
    post.status = PostStatus.scheduled
    post.version += 1
    _reset_schedule(db, post)
    db.add(post)
    audit.record(db, actor=actor, action="post.schedule", object_type="post", object_id=post.id)
    return post


def set_paused(*, db: Session, post: Post, paused: bool, actor: User) -> Post:
    """Pause a scheduled post (nothing is sent) or resume it."""
    if paused and post.status != PostStatus.scheduled:
        raise Conflict("only a scheduled post can be paused")
    if not paused and post.status != PostStatus.paused:
        raise Conflict("this post is not paused")
    if not paused:
        require_approval(post, "resume")
    post.status = PostStatus.paused if paused else PostStatus.scheduled
    post.version += 1
    db.add(post)
    audit.record(
        db,
        actor=actor,
        action="post.pause" if paused else "post.resume",
        object_type="post",
        object_id=post.id,
    )
    return post


def cancel(*, db: Session, post: Post, actor: User) -> Post:
    """Cancel: nothing more goes out; what is already published stays."""
    if post.status in (PostStatus.cancelled, PostStatus.done):
        raise Conflict("this post is already {status}", status=post.status)
    post.status = PostStatus.cancelled
    post.next_run_at = None
    post.version += 1
    threads.cancel_resumable(db=db, post_id=post.id)
    db.exec(
        delete(Delivery).where(
            Delivery.post_id == post.id, Delivery.status == DeliveryStatus.pending
        )
    )
    db.add(post)
    _follow_approval(db, post, actor)
    audit.record(db, actor=actor, action="post.cancel", object_type="post", object_id=post.id)
    return post


def resolve_uncertain(
    *, db: Session, post_id: int, delivery_id: int, published: bool, url: str | None, actor: User
) -> Delivery:
    """A person confirms what happened to a delivery carepost could not confirm itself."""
    delivery = db.get(Delivery, delivery_id) if 0 < delivery_id <= MAX_ID else None
    if delivery is None or delivery.post_id != post_id:
        raise NotFound("no such delivery")
    if delivery.status not in (DeliveryStatus.uncertain, DeliveryStatus.failed):
        raise Conflict("only an uncertain or failed delivery can be resolved by hand")
    if published:
        if url and not url.startswith(("https://", "http://")):
            raise InvalidInput("the link must start with https://", field="url")
        delivery.status, delivery.remote_url, delivery.sent_at = (
            DeliveryStatus.published,
            url,
            utcnow(),
        )
    else:
        # Confirmed not published: send it again on the next tick.
        delivery.status, delivery.needs_reconcile, delivery.next_attempt_at = (
            DeliveryStatus.pending,
            False,
            None,
        )
        post = db.get(Post, post_id)
        if post.status == PostStatus.done:
            post.status = PostStatus.scheduled
            db.add(post)
    db.add(delivery)
    audit.record(
        db,
        actor=actor,
        action="delivery.resolve",
        object_type="delivery",
        object_id=delivery.id,
        published=published,
    )
    return delivery


def list_posts(
    *,
    db: Session,
    status: PostStatus | None = None,
    channel_id: int | None = None,
    limit: int = 200,
) -> list[Post]:
    """Posts, soonest scheduled first, then newest drafts."""
    query = (
        select(Post)
        .order_by(col(Post.scheduled_at).is_(None), Post.scheduled_at, col(Post.id).desc())
        .limit(limit)
    )
    if status:
        query = query.where(Post.status == status)
    if channel_id:
        query = query.where(
            col(Post.id).in_(
                select(PostChannel.post_id).where(PostChannel.channel_id == channel_id)
            )
        )
    return list(db.exec(query))


def next_occurrence(*, db: Session, post: Post) -> datetime | None:
    """When the post goes out next: its earliest delivery waiting to be sent, else the next one
    the recurrence will lay out (`next_run_at` is the occurrence after those already laid out)."""
    if post.status not in (PostStatus.scheduled, PostStatus.paused):
        return None
    waiting = db.exec(
        select(Delivery.due_at)
        .where(Delivery.post_id == post.id, Delivery.status == DeliveryStatus.pending)
        .order_by(Delivery.due_at)
    ).first()
    return waiting or post.next_run_at


def deliveries_of(*, db: Session, post: Post) -> list[tuple[Delivery, Channel]]:
    """The post's deliveries with their channels, newest occurrence first."""
    query = (
        select(Delivery, Channel)
        .join(Channel, Channel.id == Delivery.channel_id)
        .where(Delivery.post_id == post.id)
        .order_by(col(Delivery.due_at).desc(), Channel.name)
    )
    return list(db.exec(query))


def public_view(*, db: Session, post: Post) -> PostPublic:
    """The post as the API shows it, with each delivery's state."""
    deliveries = [
        DeliveryPublic(channel=channel.name, **delivery.model_dump())
        for delivery, channel in deliveries_of(db=db, post=post)
    ]
    return PostPublic(
        **post.model_dump(),
        channels=[c.name for _t, c in targets(db=db, post=post)],
        deliveries=deliveries,
        parts=[p.text for p in threads.parts_of(db=db, post_id=post.id)],
    )
