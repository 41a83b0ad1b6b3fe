"""Changing one's own group posts: an edit is scored again (and held again when flagged), a
deletion leaves a tombstone; every earlier version stays for the group's moderators."""

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit import service as audit
from app.clock import to_local, utcnow
from app.errors import Conflict, NotFound, PermissionDenied
from app.groups import follows, mentions, threads
from app.groups import service as groups
from app.groups.models import GroupMembership, GroupPost, GroupPostVersion, SupportGroup
from app.review import service as review
from app.review.models import ContentStatus
from app.settings import get_settings


def _own_post(db: Session, viewer: User, group_id: int, post_id: int):
    group, membership = groups.get_readable(db=db, viewer=viewer, group_id=group_id)
    post = db.exec(
        select(GroupPost).where(GroupPost.id == post_id, GroupPost.group_id == group.id)
    ).first()
    if post is None or post.author_id != viewer.id and post.status != ContentStatus.visible:
        raise NotFound("no such post")
    if post.author_id != viewer.id:
        raise PermissionDenied("you can only change your own posts")
    if post.deleted_at is not None:
        raise Conflict("this post was deleted")
    if post.status == ContentStatus.removed:
        raise Conflict("this post was removed by the moderators")
    return group, membership, post


def _check_not_muted(membership: GroupMembership | None) -> None:
    if not groups.is_active(membership):
        raise PermissionDenied("join the group to write in it")
    if membership.muted_until and membership.muted_until > utcnow():
        raise PermissionDenied(
            "you are muted in this group until {until}",
            until=f"{to_local(membership.muted_until, get_settings().zone):%Y-%m-%d %H:%M}",
        )


def _keep_version(db: Session, post: GroupPost, change: str) -> None:
    db.add(
        GroupPostVersion(
            post_id=post.id, title=post.title, text=post.text, status=post.status, change=change
        )
    )


def _uncount(db: Session, post: GroupPost) -> None:
    """A visible reply that stops being visible no longer counts in its thread."""
    if post.parent_id is not None and post.status == ContentStatus.visible:
        db.exec(
            update(GroupPost)
            .where(col(GroupPost.id) == post.parent_id, col(GroupPost.reply_count) > 0)
            .values(reply_count=col(GroupPost.reply_count) - 1)
        )


def edit(
    *,
    db: Session,
    viewer: User,
    group_id: int,
    post_id: int,
    text: str,
    title: str | None = None,
) -> GroupPost:
    """Change one's own post; scored again, and held again when flagged (a post waiting for
    review stays waiting whatever the new text says)."""
    text = threads.check_text(text)
    group, membership, post = _own_post(db, viewer, group_id, post_id)
    _check_not_muted(membership)
    if post.parent_id is None and title is not None:
        title = threads.check_title(title, text)
    else:
        title = post.title
    if (title, text) == (post.title, post.text):
        return post
    before, was = post.text, post.status
    _keep_version(db, post, "edit")
    post.title, post.text, post.edited_at = title, text, utcnow()
    db.add(post)
    db.flush()
    screening = review.screen(db, kind="group_post", target=post, group_id=group.id)
    if was == ContentStatus.visible and screening.status != ContentStatus.visible:
        _uncount(db, post)
        post.status, post.notice = screening.status, screening.auto_reply
    if post.status == ContentStatus.visible:
        mentions.notify(db=db, group=group, post=post, author=viewer, before=before)
    audit.record(
        db,
        actor=viewer,
        action="group.post.edit",
        object_type="group_post",
        object_id=post.id,
        status=str(post.status),
    )
    return post


def delete(*, db: Session, viewer: User, group_id: int, post_id: int) -> GroupPost:
    """Delete one's own post: others see that it was deleted; moderators keep its text."""
    _group, _membership, post = _own_post(db, viewer, group_id, post_id)
    _keep_version(db, post, "delete")
    _uncount(db, post)
    post.deleted_at = utcnow()
    db.add(post)
    audit.record(
        db, actor=viewer, action="group.post.delete", object_type="group_post", object_id=post.id
    )
    return post


def history(
    *, db: Session, viewer: User, group_id: int, post_id: int
) -> tuple[SupportGroup, GroupPost, list[GroupPostVersion]]:
    """A post with its earlier versions, newest first (the group's admins and moderators)."""
    group, _membership = groups.get_managed(db=db, viewer=viewer, group_id=group_id)
    post = db.exec(
        select(GroupPost).where(GroupPost.id == post_id, GroupPost.group_id == group.id)
    ).first()
    if post is None:
        raise NotFound("no such post")
    query = select(GroupPostVersion).where(GroupPostVersion.post_id == post.id)
    return group, post, list(db.exec(query.order_by(col(GroupPostVersion.id).desc())))


def follow(*, db: Session, viewer: User, group_id: int, post_id: int, on: bool) -> bool:
    """Follow a thread of a group one belongs to, or stop following it."""
    group, membership = groups.get_readable(db=db, viewer=viewer, group_id=group_id)
    thread = threads.thread_start(db=db, viewer=viewer, group=group, post_id=post_id)
    if not groups.is_active(membership):
        raise PermissionDenied("join the group to follow its conversations")
    return follows.set_following(db=db, user_id=viewer.id, thread_id=thread.id, on=on)
