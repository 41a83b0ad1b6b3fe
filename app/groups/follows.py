"""Following threads, and the weekly digest of the followed threads' new replies."""

from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.clock import utcnow
from app.database import insert_missing
from app.groups.models import GroupMembership, GroupPost, GroupThreadFollow, MembershipStatus
from app.i18n import Message
from app.newsletters import service as email
from app.notifications import service as notifications
from app.notifications.models import Notification
from app.review.models import ContentStatus

WEEK = timedelta(days=7)
# A digest is due when the last one is older than this (the job runs every few hours).
DUE_AFTER = timedelta(days=6, hours=18)
MAX_THREADS = 8
DIGEST_KIND = "group_digest"


def follow_quietly(*, db: Session, user_id: int, thread_id: int) -> None:
    """Follow a thread (its author and everyone who replies do, without asking)."""
    insert_missing(db, GroupThreadFollow, user_id=user_id, post_id=thread_id, created_at=utcnow())


def set_following(*, db: Session, user_id: int, thread_id: int, on: bool) -> bool:
    """Follow or stop following a thread; the same request twice changes nothing."""
    if on:
        follow_quietly(db=db, user_id=user_id, thread_id=thread_id)
    else:
        db.exec(
            delete(GroupThreadFollow).where(
                col(GroupThreadFollow.user_id) == user_id,
                col(GroupThreadFollow.post_id) == thread_id,
            )
        )
    return on


def is_following(*, db: Session, user_id: int, thread_id: int) -> bool:
    query = select(GroupThreadFollow.id).where(
        GroupThreadFollow.user_id == user_id, GroupThreadFollow.post_id == thread_id
    )
    return db.exec(query).first() is not None


def digest_for(*, db: Session, user_id: int, since: datetime) -> list[tuple[GroupPost, int]]:
    """The user's followed threads with visible replies by others since `since`, with how many,
    busiest first; only threads of groups the user is still an active member of."""
    reply = aliased(GroupPost)
    query = (
        select(GroupPost, func.count(col(reply.id)))
        .join(GroupThreadFollow, col(GroupThreadFollow.post_id) == GroupPost.id)
        .join(reply, col(reply.parent_id) == GroupPost.id)
        .join(
            GroupMembership,
            (col(GroupMembership.group_id) == GroupPost.group_id)
            & (col(GroupMembership.user_id) == user_id),
        )
        .where(
            GroupThreadFollow.user_id == user_id,
            GroupMembership.status == MembershipStatus.active,
            GroupPost.status == ContentStatus.visible,
            col(GroupPost.deleted_at).is_(None),
            reply.status == ContentStatus.visible,
            col(reply.deleted_at).is_(None),
            col(reply.created_at) >= since,
            reply.author_id != user_id,
        )
        .group_by(GroupPost.id)
        .order_by(func.count(col(reply.id)).desc(), col(GroupPost.id).desc())
    )
    return list(db.exec(query.limit(MAX_THREADS)).all())


def _digest_message(rows: list[tuple[GroupPost, int]], total: int) -> Message:
    listed = ", ".join(f"“{thread.title or '…'}” ({count})" for thread, count in rows)
    if len(listed) > 220:
        listed = listed[:219].rstrip() + "…"
    return Message(
        "Your week in the groups: {n} new replies in the conversations you follow: {threads}",
        n=total,
        threads=listed,
    )


def send_weekly(*, db: Session, now: datetime | None = None) -> int:
    """Give every follower whose last digest is a week old a digest notification (and an e-mail
    to those who asked for one); how many."""
    now = now or utcnow()
    recent = select(Notification.user_id).where(
        Notification.kind == DIGEST_KIND, col(Notification.created_at) > now - DUE_AFTER
    )
    followers = select(GroupThreadFollow.user_id).where(
        col(GroupThreadFollow.user_id).not_in(recent)
    )
    sent = 0
    for user_id in db.exec(followers.distinct()).all():
        rows = digest_for(db=db, user_id=user_id, since=now - WEEK)
        if not rows:
            continue
        thread, replies = rows[0][0], sum(count for _thread, count in rows)
        item = notifications.notify(
            db=db,
            user_id=user_id,
            kind=DIGEST_KIND,
            message=_digest_message(rows, replies),
            link=f"/groups/{thread.group_id}/posts/{thread.id}",
        )
        item.created_at = now
        user = db.get(User, user_id)
        if user is not None:
            email.queue_digest(db=db, user=user, replies=replies, now=now)
        sent += 1
    return sent
