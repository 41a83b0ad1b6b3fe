"""Threads in a group: posting (scored on creation), reading, replies, reactions, reports and pins."""

from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, or_, select

from app import pagination
from app.accounts.models import User
from app.audit import service as audit
from app.clock import to_local, utcnow
from app.database import insert_missing
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooManyRequests
from app.groups import categories, follows, images, mentions
from app.groups import service as groups
from app.groups.models import (
    REACTIONS,
    GroupCategory,
    GroupMembership,
    GroupPost,
    GroupPostImage,
    GroupPostPublic,
    GroupReaction,
    SupportGroup,
    search_text,
)
from app.i18n import N_, Message, label
from app.notifications import service as notifications
from app.review import service as review
from app.review import strikes
from app.review.models import ContentStatus
from app.settings import get_settings

MAX_TEXT = 5000
MAX_TITLE = 120
PAGE_SIZE = 20


def check_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("write something first", field="text")
    if len(text) > MAX_TEXT:
        raise InvalidInput("at most {n} characters", field="text", n=MAX_TEXT)
    return text


def _check_can_post(db: Session, membership: GroupMembership | None, user: User) -> None:
    if not groups.is_active(membership):
        raise PermissionDenied("join the group to write in it")
    if membership.muted_until and membership.muted_until > utcnow():
        raise PermissionDenied(
            "you are muted in this group until {until}",
            until=f"{to_local(membership.muted_until, get_settings().zone):%Y-%m-%d %H:%M}",
        )
    settings = get_settings()
    since = utcnow() - timedelta(hours=1)
    recent = db.exec(
        select(func.count())
        .select_from(GroupPost)
        .where(GroupPost.author_id == user.id, col(GroupPost.created_at) >= since)
    ).one()
    floor = min(settings.new_member_posts_per_hour, settings.member_posts_per_hour)
    if recent < floor or groups.is_manager(membership):
        return
    new_member = membership.joined_at > utcnow() - timedelta(days=settings.new_member_days)
    why = N_("you can write {n} posts an hour while you are a new member; try again later")
    if not new_member:
        why = N_("you can write {n} posts an hour; try again later")
    if not new_member and strikes.restricted(db, user):
        new_member = True
        why = N_(
            "you can write {n} posts an hour while several of your posts were removed in the "
            "last 90 days; try again later"
        )
    limit = settings.new_member_posts_per_hour if new_member else settings.member_posts_per_hour
    if recent >= limit:
        raise TooManyRequests(why, retry_after=3600, n=limit)


def _visible_to(viewer: User):
    """Others' content only when visible; one's own always (with its review status)."""
    return or_(GroupPost.status == ContentStatus.visible, GroupPost.author_id == viewer.id)


def write(
    *,
    db: Session,
    viewer: User,
    group_id: int,
    text: str,
    parent_id: int | None = None,
    title: str | None = None,
    category_id: int | None = None,
    image: tuple[str, bytes] | None = None,
) -> GroupPost:
    """A new thread (with a title and, where the group has them, a category), or a reply when
    parent_id is given; scored and held or hidden by the policy; mentions and follows follow."""
    group, membership = groups.get_readable(db=db, viewer=viewer, group_id=group_id)
    text = check_text(text)
    parent = None
    if parent_id is not None:
        parent = thread_start(db=db, viewer=viewer, group=group, post_id=parent_id)
        title, category_id = None, None
    else:
        title = check_title(title, text)
        category_id = categories.check(db=db, group_id=group.id, category_id=category_id)
    cleaned = images.clean(*image) if image else None
    _check_can_post(db, membership, viewer)
    post = GroupPost(
        group_id=group.id,
        author_id=viewer.id,
        parent_id=parent_id,
        text=text,
        title=title,
        category_id=category_id,
        search_text=search_text(title, text),
    )
    db.add(post)
    db.flush()
    if cleaned:
        images.store(db=db, post_id=post.id, image=cleaned)
    screening = review.screen(db, kind="group_post", target=post, group_id=group.id)
    post.status, post.notice = screening.status, screening.auto_reply
    follows.follow_quietly(db=db, user_id=viewer.id, thread_id=parent_id or post.id)
    if post.status == ContentStatus.visible:
        mentions.notify(db=db, group=group, post=post, author=viewer)
    if parent is not None and post.status == ContentStatus.visible:
        _replied(db, group, parent, viewer)
    audit.record(
        db,
        actor=viewer,
        action="group.reply" if parent else "group.post",
        object_type="group_post",
        object_id=post.id,
        group=group.id,
        status=str(post.status),
    )
    return post


def check_title(title: str | None, text: str) -> str:
    """A thread's title: required when given as a field; the text's first line otherwise (API)."""
    if title is None:
        first = text.splitlines()[0].strip()
        return first if len(first) <= MAX_TITLE else first[: MAX_TITLE - 1].rstrip() + "…"
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("give the conversation a title", field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput("at most {n} characters", field="title", n=MAX_TITLE)
    return title


def _replied(db: Session, group: SupportGroup, parent: GroupPost, viewer: User) -> None:
    count_reply(db, parent.id)
    if parent.author_id != viewer.id:
        notifications.notify(
            db=db,
            user_id=parent.author_id,
            kind="reply",
            message=Message(
                "{name} replied in {group}", name=viewer.display_name, group=group.name
            ),
            link=f"/groups/{group.id}/posts/{parent.id}",
        )


def count_reply(db: Session, thread_id: int) -> None:
    """One more visible reply, counted in the database so that concurrent replies all count."""
    db.exec(
        update(GroupPost)
        .where(col(GroupPost.id) == thread_id)
        .values(reply_count=col(GroupPost.reply_count) + 1, last_activity_at=utcnow())
    )


def thread_start(*, db: Session, viewer: User, group: SupportGroup, post_id: int) -> GroupPost:
    """A thread of this group the viewer may see (someone else's held post is a 404)."""
    post = db.exec(
        select(GroupPost).where(
            GroupPost.id == post_id,
            GroupPost.group_id == group.id,
            col(GroupPost.parent_id).is_(None),
            col(GroupPost.deleted_at).is_(None),
            _visible_to(viewer),
        )
    ).first()
    if post is None or post.status == ContentStatus.removed and post.author_id != viewer.id:
        raise NotFound("no such thread")
    return post


def get_post(*, db: Session, viewer: User, group_id: int, post_id: int):
    """Any post (thread or reply) of a readable group that the viewer may see."""
    group, membership = groups.get_readable(db=db, viewer=viewer, group_id=group_id)
    post = db.exec(
        select(GroupPost).where(
            GroupPost.id == post_id,
            GroupPost.group_id == group.id,
            col(GroupPost.deleted_at).is_(None),
            _visible_to(viewer),
        )
    ).first()
    if post is None:
        raise NotFound("no such post")
    return group, membership, post


def threads(
    *,
    db: Session,
    viewer: User,
    group: SupportGroup,
    cursor: str | None = None,
    category_id: int | None = None,
) -> tuple[list[GroupPost], str | None]:
    """Unpinned threads (of one category when given), latest activity first, a page at a time
    (keyset, no OFFSET)."""
    query = select(GroupPost).where(
        GroupPost.group_id == group.id,
        col(GroupPost.parent_id).is_(None),
        col(GroupPost.pinned).is_(False),
        col(GroupPost.deleted_at).is_(None),
        GroupPost.status != ContentStatus.removed,
        _visible_to(viewer),
    )
    if category_id is not None:
        query = query.where(GroupPost.category_id == category_id)
    after = pagination.decode(cursor, datetime, int)
    if after:
        at, last_id = after
        query = query.where(
            or_(
                col(GroupPost.last_activity_at) < at,
                (col(GroupPost.last_activity_at) == at) & (col(GroupPost.id) < last_id),
            )
        )
    order = (col(GroupPost.last_activity_at).desc(), col(GroupPost.id).desc())
    rows = list(db.exec(query.order_by(*order).limit(PAGE_SIZE + 1)))
    return pagination.page(rows, PAGE_SIZE, lambda p: (p.last_activity_at.isoformat(), p.id))


def pinned(*, db: Session, group: SupportGroup) -> list[GroupPost]:
    query = select(GroupPost).where(
        GroupPost.group_id == group.id,
        col(GroupPost.parent_id).is_(None),
        col(GroupPost.pinned),
        col(GroupPost.deleted_at).is_(None),
        GroupPost.status == ContentStatus.visible,
    )
    return list(db.exec(query.order_by(col(GroupPost.id).desc())))


def replies(*, db: Session, viewer: User, thread: GroupPost) -> list[GroupPost]:
    query = select(GroupPost).where(
        GroupPost.parent_id == thread.id,
        GroupPost.status != ContentStatus.removed,
        _visible_to(viewer),
    )
    return list(db.exec(query.order_by(col(GroupPost.id)).limit(500)))


def authors(db: Session, posts: list[GroupPost]) -> dict[int, User]:
    ids = {p.author_id for p in posts}
    return {u.id: u for u in db.exec(select(User).where(col(User.id).in_(ids)))} if ids else {}


def reaction_counts(db: Session, posts: list[GroupPost]) -> dict[int, dict[str, int]]:
    ids = [p.id for p in posts]
    if not ids:
        return {}
    counts: dict[int, dict[str, int]] = {}
    query = (
        select(GroupReaction.post_id, GroupReaction.kind, func.count())
        .where(col(GroupReaction.post_id).in_(ids))
        .group_by(GroupReaction.post_id, GroupReaction.kind)
    )
    for post_id, kind, count in db.exec(query):
        counts.setdefault(post_id, {})[kind] = count
    return counts


def public(
    db: Session, posts: list[GroupPost], viewer: User | None = None
) -> list[GroupPostPublic]:
    """Posts as others see them (pseudonyms only; a deleted post's text never), with the viewer's
    own reactions when given."""
    people, counts = authors(db, posts), reaction_counts(db, posts)
    own = mine(db, viewer, posts) if viewer is not None else {}
    names, pictures = _category_names(db, posts), _images_of(db, posts)
    fields = {"id", "group_id", "parent_id", "title", "clinician_answer", "text", "status"}
    fields |= {"notice", "pinned", "reply_count", "created_at"}
    shown = []
    for p in posts:
        item = GroupPostPublic(
            **p.model_dump(include=fields),
            category=names.get(p.category_id),
            author=people[p.author_id].display_name if p.author_id in people else "?",
            reactions=counts.get(p.id, {}),
            my_reactions=sorted(own.get(p.id, ())),
            images=pictures.get(p.id, []),
            edited=p.edited_at is not None,
            deleted=p.deleted_at is not None,
        )
        if item.deleted:
            item.text, item.title, item.notice, item.images = "", None, None, []
        shown.append(item)
    return shown


def _category_names(db: Session, posts: list[GroupPost]) -> dict[int, str]:
    ids = {p.category_id for p in posts if p.category_id}
    if not ids:
        return {}
    query = select(GroupCategory.id, GroupCategory.name).where(col(GroupCategory.id).in_(ids))
    return dict(db.exec(query).all())


def _images_of(db: Session, posts: list[GroupPost]) -> dict[int, list[int]]:
    ids = [p.id for p in posts]
    found: dict[int, list[int]] = {}
    if ids:
        query = select(GroupPostImage.post_id, GroupPostImage.id).where(
            col(GroupPostImage.post_id).in_(ids)
        )
        for post_id, image_id in db.exec(query.order_by(col(GroupPostImage.id))):
            found.setdefault(post_id, []).append(image_id)
    return found


def react(
    *, db: Session, viewer: User, group_id: int, post_id: int, kind: str, on: bool = True
) -> bool:
    """Put the viewer's reaction on a post (or take it off); the same request twice changes nothing."""
    if kind not in REACTIONS:
        raise InvalidInput(
            "reaction must be one of {kinds}", field="kind", kinds=", ".join(REACTIONS)
        )
    _group, membership, post = get_post(db=db, viewer=viewer, group_id=group_id, post_id=post_id)
    if not groups.is_active(membership):
        raise PermissionDenied("join the group to react")
    if post.status != ContentStatus.visible:
        raise Conflict("this post is waiting for review")
    if on:
        insert_missing(db, GroupReaction, post_id=post.id, user_id=viewer.id, kind=kind)
    else:
        db.exec(
            delete(GroupReaction).where(
                col(GroupReaction.post_id) == post.id,
                col(GroupReaction.user_id) == viewer.id,
                col(GroupReaction.kind) == kind,
            )
        )
    return on


def mine(db: Session, viewer: User, posts: list[GroupPost]) -> dict[int, set[str]]:
    """The reactions the viewer has put on each of posts."""
    ids = [p.id for p in posts]
    if not ids:
        return {}
    query = select(GroupReaction.post_id, GroupReaction.kind).where(
        GroupReaction.user_id == viewer.id, col(GroupReaction.post_id).in_(ids)
    )
    found: dict[int, set[str]] = {}
    for post_id, kind in db.exec(query):
        found.setdefault(post_id, set()).add(kind)
    return found


def report(
    *, db: Session, viewer: User, group_id: int, post_id: int, reason: str, label: str | None
):
    """A member reports a post to the group's moderators (or, for clinical labels, to clinicians)."""
    group, membership, post = get_post(db=db, viewer=viewer, group_id=group_id, post_id=post_id)
    if post.author_id == viewer.id:
        raise Conflict("you cannot report your own post")
    if not (groups.is_active(membership) or viewer.is_verified_clinician):
        raise PermissionDenied("join the group to report posts")
    return review.report(
        db,
        kind="group_post",
        target=post,
        reporter=viewer,
        reason=reason,
        label=label or None,
        group_id=group.id,
    )


def set_pinned(*, db: Session, viewer: User, group_id: int, post_id: int) -> GroupPost:
    """Pin or unpin a thread (group admins and moderators)."""
    group, _membership = groups.get_managed(db=db, viewer=viewer, group_id=group_id)
    post = thread_start(db=db, viewer=viewer, group=group, post_id=post_id)
    if post.status != ContentStatus.visible:
        raise Conflict("only visible threads can be pinned")
    post.pinned = not post.pinned
    db.add(post)
    audit.record(
        db,
        actor=viewer,
        action="group.pin" if post.pinned else "group.unpin",
        object_type="group_post",
        object_id=post.id,
    )
    return post


def _answer(db: Session, post: GroupPost, clinician: User, text: str) -> None:
    """A clinician's answer from the review queue becomes a reply in the thread."""
    thread_id = post.parent_id or post.id
    reply = GroupPost(
        group_id=post.group_id,
        author_id=clinician.id,
        parent_id=thread_id,
        text=text,
        clinician_answer=True,
    )
    db.add(reply)
    count_reply(db, thread_id)
    post.notice = None


def _context(db: Session, post: GroupPost) -> dict:
    group = db.get(SupportGroup, post.group_id)
    thread_id = post.parent_id or post.id
    around = [db.get(GroupPost, thread_id)] if post.parent_id else []
    around += list(
        db.exec(
            select(GroupPost)
            .where(GroupPost.parent_id == thread_id, GroupPost.id != post.id)
            .order_by(col(GroupPost.id).desc())
            .limit(5)
        )
    )[::-1]
    people = authors(db, [post, *around])
    thread = around[0] if post.parent_id else post
    return {
        # label(): the visibility read in the reader's language, whether it comes as an enum or text.
        "where": Message(
            "{group} ({visibility})", group=group.name, visibility=label(group.visibility)
        ),
        # A held thread is a 404 for everyone but its author: no link that leads nowhere.
        "link": f"/groups/{group.id}/posts/{thread_id}"
        if thread and thread.status == ContentStatus.visible
        else None,
        "author": people.get(post.author_id).display_name if post.author_id in people else "?",
        "thread": [(people[p.author_id].display_name, p.text, str(p.status)) for p in around if p],
    }


# What the review queue holds of this module's content; app/review/kinds.py registers it at start-up.
REVIEW_KINDS = {
    "group_post": review.ContentKind(
        model=GroupPost,
        label="group post",
        context=_context,
        answer=_answer,
        actions=("approve", "remove", "edit_approve", "answer", "escalate"),
    )
}
