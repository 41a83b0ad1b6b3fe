"""Threads on X: a post's further parts, parts added to a published thread, and their approval."""

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit import service as audit
from app.channels.models import Channel, ChannelKind
from app.clock import utcnow
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.i18n import Message, join
from app.notifications import service as notifications
from app.posts.checks import problem_text
from app.posts.models import Delivery, DeliveryStatus, Post, PostChannel, PostStatus
from app.posts.thread_models import PartState, PartStatus, PostPart, ThreadPartSend
from app.review import scoring
from app.review.models import ModerationLabel
from connectors import registry
from connectors.base import Draft

MAX_PARTS = 25  # a thread's parts, the first (the post's text) included
MAX_ID = 2**31 - 1
SENDABLE = (PartStatus.ready, PartStatus.approved)


def check_parts(texts: list[str]) -> list[str]:
    """The further parts of a thread, stripped; each fits one post on X (InvalidInput otherwise)."""
    parts = [t.strip() for t in texts]
    if len(parts) + 1 > MAX_PARTS:
        raise InvalidInput("a thread has at most {n} parts", field="parts", n=MAX_PARTS)
    problems = []
    for number, text in enumerate(parts, start=2):
        if not text:
            problems.append(Message("part {n}: write its text or remove it", n=number))
        for problem in registry.validate("x", Draft(text)) if text else []:
            problems.append(Message("part {n}: {problem}", n=number, problem=problem_text(problem)))
    if problems:
        raise InvalidInput(join(problems), field="parts")
    return parts


def parts_of(*, db: Session, post_id: int) -> list[PostPart]:
    """The post's further parts in order."""
    query = select(PostPart).where(PostPart.post_id == post_id).order_by(PostPart.position)
    return list(db.exec(query))


def any_sent(*, db: Session, post_id: int) -> bool:
    """Whether any part of the post's thread went out (or may have) on some channel."""
    query = select(ThreadPartSend.id).where(ThreadPartSend.post_id == post_id).limit(1)
    return db.exec(query).first() is not None


def replace_parts(*, db: Session, post: Post, texts: list[str]) -> None:
    """Set the parts written with the post (before anything of the thread went out)."""
    if texts and post.recurrence:
        raise InvalidInput(
            "a thread cannot repeat; remove the repetition or the parts", field="parts"
        )
    for part in parts_of(db=db, post_id=post.id):
        db.delete(part)
    db.flush()
    for position, text in enumerate(texts, start=2):
        db.add(PostPart(post_id=post.id, position=position, text=text, author_id=post.author_id))


def sendable(parts: list[PostPart]) -> list[PostPart]:
    """The parts that may go out now, in order: a part waiting for approval holds back the rest."""
    chosen = []
    for part in parts:
        if part.status == PartStatus.awaiting_approval:
            break
        if part.status in SENDABLE:
            chosen.append(part)
    return chosen


def joined(text: str, parts: list[PostPart]) -> str:
    """A thread as one post, for channels without threads (the parts written with the post)."""
    return "\n\n".join([text, *(p.text for p in parts if not p.live)])


def _x_thread_channels(db: Session, post: Post) -> list[int]:
    query = (
        select(PostChannel.channel_id)
        .join(Channel, Channel.id == PostChannel.channel_id)
        .where(PostChannel.post_id == post.id, Channel.kind == ChannelKind.x)
    )
    return list(db.exec(query))


def _published_on_x(db: Session, post: Post) -> list[int]:
    channel_ids = _x_thread_channels(db, post)
    query = select(Delivery.channel_id).where(
        Delivery.post_id == post.id,
        col(Delivery.channel_id).in_(channel_ids),
        Delivery.status == DeliveryStatus.published,
    )
    return sorted(set(db.exec(query)))


def can_continue(*, db: Session, post: Post) -> bool:
    """A thread published on X can be continued (until the post is cancelled)."""
    return post.status != PostStatus.cancelled and bool(_published_on_x(db, post))


def _screen(text: str) -> list[str]:
    flags = {flag for result in scoring.score([text]) for flag in result.flags}
    return sorted(flags)


def add_part(*, db: Session, post: Post, text: str, health_claim: bool, actor: User) -> PostPart:
    """A new part at the end of a published thread; a health claim or a flag waits for a clinician."""
    if not can_continue(db=db, post=post):
        raise Conflict("only a thread already published on X can be continued")
    [text] = check_parts([text])
    last = max((p.position for p in parts_of(db=db, post_id=post.id)), default=1)
    flags = _screen(text)
    part = PostPart(
        post_id=post.id,
        position=last + 1,
        text=text,
        live=True,
        health_claim=health_claim,
        moderation_flags=flags or None,
        status=PartStatus.awaiting_approval if health_claim or flags else PartStatus.ready,
        author_id=actor.id,
    )
    db.add(part)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="post.part_add",
        object_type="post",
        object_id=post.id,
        position=part.position,
        status=str(part.status),
    )
    if part.status == PartStatus.awaiting_approval:
        notifications.notify_clinicians(
            db=db,
            kind="approval.requested",
            message=Message(
                "Part {n} of post #{id} makes a health claim and waits for your review",
                n=part.position,
                id=post.id,
            ),
            link=f"/posts/{post.id}#part-{part.position}",
        )
    else:
        continue_thread(db=db, post=post)
    return part


def get_part(*, db: Session, post: Post, part_id: int) -> PostPart:
    part = db.get(PostPart, part_id) if 0 < part_id <= MAX_ID else None
    if part is None or part.post_id != post.id:
        raise NotFound("no such part")
    return part


def review_part(
    *, db: Session, post: Post, part: PostPart, clinician: User, approve: bool, comment: str | None
) -> PostPart:
    """A verified clinician approves (it goes out) or rejects (it never does) a live part."""
    if not clinician.is_verified_clinician:
        raise PermissionDenied("only verified clinicians review health claims")
    if part.status != PartStatus.awaiting_approval:
        raise Conflict("this part is not waiting for approval")
    if not approve and not (comment and comment.strip()):
        raise InvalidInput(
            "say why the post is rejected, so the author can fix it", field="comment"
        )
    part.status = PartStatus.approved if approve else PartStatus.rejected
    part.reviewed_by, part.reviewed_at = clinician.id, utcnow()
    part.review_comment = (comment or "").strip()[:1000] or None
    db.add(part)
    audit.record(
        db,
        actor=clinician,
        action="post.part_approve" if approve else "post.part_reject",
        object_type="post",
        object_id=post.id,
        position=part.position,
    )
    if part.moderation_flags:
        labels = "" if approve else ";".join(part.moderation_flags)
        db.add(ModerationLabel(text=part.text, labels=labels, decided_by=clinician.id))
    if part.author_id:
        values = {"n": part.position, "id": post.id, "name": clinician.display_name}
        verdict = (
            Message("Part {n} of post #{id} was approved by {name}", **values)
            if approve
            else Message("Part {n} of post #{id} was rejected by {name}", **values)
        )
        notifications.notify(
            db=db,
            user_id=part.author_id,
            kind="post.approved" if approve else "post.rejected",
            message=verdict,
            link=f"/posts/{post.id}#part-{part.position}",
        )
    continue_thread(db=db, post=post)
    return part


def continue_thread(*, db: Session, post: Post) -> int:
    """Lay out a delivery on each X channel where the thread has parts left to send; how many."""
    waiting = set(
        db.exec(
            select(Delivery.channel_id).where(
                Delivery.post_id == post.id,
                col(Delivery.status).in_([DeliveryStatus.pending, DeliveryStatus.sending]),
            )
        )
    )
    wanted = {p.position for p in sendable(parts_of(db=db, post_id=post.id))}
    added = 0
    now = utcnow()
    for channel_id in _published_on_x(db, post):
        _seed_first_part(db, post, channel_id)
        sent = set(
            db.exec(
                select(ThreadPartSend.position).where(
                    ThreadPartSend.post_id == post.id,
                    ThreadPartSend.channel_id == channel_id,
                    ThreadPartSend.state == PartState.sent,
                )
            )
        )
        if channel_id in waiting or not wanted - sent:
            continue
        db.add(Delivery(post_id=post.id, channel_id=channel_id, due_at=now))
        added += 1
    if added and post.status == PostStatus.done:
        post.status = PostStatus.scheduled
        db.add(post)
    return added


def _seed_first_part(db: Session, post: Post, channel_id: int) -> None:
    """A post that went out alone is part 1 of the thread it becomes: recorded as sent, so
    continuing it never sends it again."""
    known = db.exec(
        select(ThreadPartSend.id).where(
            ThreadPartSend.post_id == post.id,
            ThreadPartSend.channel_id == channel_id,
            ThreadPartSend.position == 1,
        )
    ).first()
    if known is not None:
        return
    first = db.exec(
        select(Delivery)
        .where(
            Delivery.post_id == post.id,
            Delivery.channel_id == channel_id,
            Delivery.status == DeliveryStatus.published,
        )
        .order_by(Delivery.sent_at, Delivery.id)
    ).first()
    db.add(
        ThreadPartSend(
            post_id=post.id,
            channel_id=channel_id,
            position=1,
            delivery_id=first.id,
            state=PartState.sent,
            remote_id=first.remote_id,
            remote_url=first.remote_url,
            sent_at=first.sent_at,
        )
    )
    db.flush()


def sends_of(*, db: Session, post_id: int) -> dict[tuple[int, int], ThreadPartSend]:
    """Each part's send on each channel, by (channel id, position)."""
    query = select(ThreadPartSend).where(ThreadPartSend.post_id == post_id)
    return {(s.channel_id, s.position): s for s in db.exec(query)}


def cancel_resumable(*, db: Session, post_id: int) -> None:
    """A cancelled thread keeps the deliveries that sent some of its parts (marked cancelled)."""
    db.execute(
        update(Delivery)
        .where(
            Delivery.post_id == post_id,
            Delivery.status == DeliveryStatus.pending,
            col(Delivery.id).in_(select(ThreadPartSend.delivery_id)),
        )
        .values(status=DeliveryStatus.cancelled)
    )
