"""The clinician network: a feed of followed people and topics first, keyset-paginated, and search."""

from sqlalchemy import and_, delete, func, not_
from sqlalchemy import update as update_rows
from sqlmodel import Session, col, or_, select

from app import pagination
from app.accounts.models import User
from app.audit import service as audit
from app.database import insert_missing
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.i18n import N_, Message
from app.network.models import (
    Follow,
    NetworkComment,
    NetworkKind,
    NetworkPost,
    NetworkPostCreate,
    PollOption,
)
from app.notifications import service as notifications
from app.review import service as review
from app.review.models import ContentStatus
from app.search import match_all
from moderation.text import normalise

PAGE_SIZE = 20
# Clinicians discuss doses and emergencies among themselves: only identifiers, spam and
# misinformation hold a network post back.
NOT_APPLICABLE = frozenset({"unsafe_consultation", "emergency"})


def require(viewer: User) -> None:
    """Only verified clinicians reach the network (a 404 for anyone else, as a hint would leak)."""
    if not viewer.is_verified_clinician:
        raise NotFound("not found")


def _check(data: NetworkPostCreate) -> None:
    if data.kind == NetworkKind.job and not (data.place and data.hours and data.contact):
        missing = next(f for f in ("place", "hours", "contact") if not getattr(data, f))
        raise InvalidInput("a job needs a place, hours and a contact", field=missing)
    if data.kind == NetworkKind.event and data.starts_at is None:
        raise InvalidInput("an event needs a start date and time", field="starts_at")
    if data.starts_at is not None and data.starts_at.tzinfo is None:
        raise InvalidInput("give the time with its UTC offset", field="starts_at")


def _apply_screening(db: Session, post: NetworkPost | NetworkComment, kind: str, actor: User):
    screening = review.screen(db, kind=kind, target=post, ignore=NOT_APPLICABLE)
    was_held = post.status != ContentStatus.visible
    post.status = screening.status
    post.notice = None
    if "phi" in screening.flags:
        post.notice = N_(
            "This text seems to identify a patient (a name, record number, date of birth or "
            "contact detail). Remove the identifiers and save again to publish it."
        )
    elif screening.status != ContentStatus.visible:
        post.notice = N_("Held for review by a colleague.")
    elif was_held:
        review.settle_fixed(db, kind=kind, target=post, actor=actor)


def create(*, db: Session, author: User, data: NetworkPostCreate) -> NetworkPost:
    """A case, event or job; a case that seems to identify a patient waits until fixed."""
    require(author)
    _check(data)
    if data.poll and data.kind != NetworkKind.case:
        raise InvalidInput("only a case can carry a poll", field="poll")
    if data.anonymous and data.kind != NetworkKind.case:
        raise InvalidInput("only a case can be posted anonymously", field="anonymous")
    post = NetworkPost(
        author_id=author.id,
        **data.model_dump(exclude={"title", "text", "poll"}),
        title=data.title.strip(),
        text=data.text.strip(),
        search_text=normalise(f"{data.title} {data.text} {data.topic or ''}"),
    )
    db.add(post)
    db.flush()
    for position, option in enumerate(data.poll or []):
        db.add(PollOption(post_id=post.id, position=position, text=option))
    _apply_screening(db, post, "network_post", author)
    audit.record(
        db,
        actor=author,
        action="network.post",
        object_type="network_post",
        object_id=post.id,
        kind=str(data.kind),
        status=str(post.status),
    )
    return post


def update(*, db: Session, viewer: User, post_id: int, data: NetworkPostCreate) -> NetworkPost:
    """The author edits (e.g. removes identifiers); the text is scored again."""
    post = get(db=db, viewer=viewer, post_id=post_id)
    if post.author_id != viewer.id:
        raise PermissionDenied("only the author edits a post")
    if post.status == ContentStatus.removed:
        raise Conflict("this post was removed")
    _check(data)
    for name, value in data.model_dump(exclude={"poll", "anonymous"}).items():
        setattr(post, name, value.strip() if name in ("title", "text") else value)
    post.search_text = normalise(f"{post.title} {post.text} {post.topic or ''}")
    db.flush()
    _apply_screening(db, post, "network_post", viewer)
    audit.record(
        db,
        actor=viewer,
        action="network.edit",
        object_type="network_post",
        object_id=post.id,
        status=str(post.status),
    )
    return post


def _readable(viewer: User):
    return or_(NetworkPost.status == ContentStatus.visible, NetworkPost.author_id == viewer.id)


def get(*, db: Session, viewer: User, post_id: int) -> NetworkPost:
    require(viewer)
    post = db.exec(select(NetworkPost).where(NetworkPost.id == post_id, _readable(viewer))).first()
    if post is None or (post.status == ContentStatus.removed and post.author_id != viewer.id):
        raise NotFound("no such post")
    return post


def following(db: Session, viewer: User) -> tuple[list[int], list[str]]:
    rows = list(db.exec(select(Follow).where(Follow.follower_id == viewer.id)))
    return [r.followee_id for r in rows if r.followee_id], [r.topic for r in rows if r.topic]


def feed(
    *,
    db: Session,
    viewer: User,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    follows: tuple[list[int], list[str]] | None = None,
) -> tuple[list[NetworkPost], str | None]:
    """Followed authors and topics first, then everyone else, each newest first.

    The cursor is (phase, last id): every page is an index range scan below the last id seen,
    so the 50th page costs what the first does.
    """
    require(viewer)
    people, topics = follows if follows is not None else following(db, viewer)
    # Topic is often empty: coalesce, or NOT(topic IN ...) would be NULL and drop those posts.
    # An anonymous case is never "by someone you follow": its place in the feed would name them.
    followed = or_(
        and_(col(NetworkPost.author_id).in_(people or [-1]), not_(col(NetworkPost.anonymous))),
        func.coalesce(NetworkPost.topic, "").in_(topics or ["-"]),
    )
    phase, last_id = pagination.decode(cursor, int, int) or (0 if people or topics else 1, None)
    if phase not in (0, 1) or not (last_id is None or isinstance(last_id, int)):
        raise InvalidInput("the cursor is not one carepost gave out", field="cursor")
    rows: list[NetworkPost] = []
    while True:
        query = select(NetworkPost).where(
            NetworkPost.status == ContentStatus.visible,
            followed if phase == 0 else not_(followed),
        )
        if last_id is not None:
            query = query.where(col(NetworkPost.id) < last_id)
        wanted = size + 1 - len(rows)
        found = list(db.exec(query.order_by(col(NetworkPost.id).desc()).limit(wanted)))
        rows += [(phase, p) for p in found]
        if len(rows) > size or phase == 1:
            break
        phase, last_id = 1, None
    page, next_cursor = pagination.page(rows, size, lambda row: (row[0], row[1].id))
    return [p for _phase, p in page], next_cursor


def search(
    *,
    db: Session,
    viewer: User,
    q: str = "",
    topic: str | None = None,
    kind: str | None = None,
    cursor: str | None = None,
) -> tuple[list[NetworkPost], str | None]:
    """Visible posts whose text holds every word of q, optionally of one topic or kind."""
    require(viewer)
    query = select(NetworkPost).where(NetworkPost.status == ContentStatus.visible)
    query = match_all(query, NetworkPost.search_text, q)
    if topic:
        query = query.where(NetworkPost.topic == topic.strip().lower().lstrip("#"))
    if kind:
        if kind not in NetworkKind.__members__:
            raise InvalidInput("kind must be case, event or job", field="kind")
        query = query.where(NetworkPost.kind == NetworkKind(kind))
    after = pagination.decode(cursor, int)
    if after:
        query = query.where(col(NetworkPost.id) < int(after[0]))
    rows = list(db.exec(query.order_by(col(NetworkPost.id).desc()).limit(PAGE_SIZE + 1)))
    return pagination.page(rows, PAGE_SIZE, lambda p: (p.id,))


def browse(
    *,
    db: Session,
    viewer: User,
    cursor: str | None = None,
    q: str = "",
    topic: str = "",
    kind: str = "",
    follows: tuple[list[int], list[str]] | None = None,
) -> tuple[list[NetworkPost], str | None]:
    """A search when any filter is given, else the feed (`follows`: the viewer's, if already read)."""
    if q or topic or kind:
        return search(db=db, viewer=viewer, q=q, topic=topic, kind=kind or None, cursor=cursor)
    return feed(db=db, viewer=viewer, cursor=cursor, follows=follows)


def waiting(*, db: Session, viewer: User) -> list[NetworkPost]:
    """The viewer's own posts that are not published (identifiers to remove, review pending)."""
    query = select(NetworkPost).where(
        NetworkPost.author_id == viewer.id,
        col(NetworkPost.status).in_((ContentStatus.hidden, ContentStatus.held)),
    )
    return list(db.exec(query.order_by(col(NetworkPost.id).desc()).limit(20)))


def comment(*, db: Session, viewer: User, post_id: int, text: str) -> NetworkComment:
    post = get(db=db, viewer=viewer, post_id=post_id)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("write something first", field="text")
    if len(text) > 5000:
        raise InvalidInput("at most 5000 characters", field="text")
    if post.status != ContentStatus.visible:
        raise Conflict("this post is not published")
    item = NetworkComment(post_id=post.id, author_id=viewer.id, text=text)
    db.add(item)
    db.flush()
    _apply_screening(db, item, "network_comment", viewer)
    if item.status == ContentStatus.visible:
        # Counted in the database: concurrent comments each add one.
        db.exec(
            update_rows(NetworkPost)
            .where(col(NetworkPost.id) == post.id)
            .values(comment_count=col(NetworkPost.comment_count) + 1)
        )
        if post.author_id != viewer.id:
            notifications.notify(
                db=db,
                user_id=post.author_id,
                kind="reply",
                message=Message(
                    "{name} commented on {title}", name=viewer.display_name, title=post.title[:80]
                ),
                link=f"/network/posts/{post.id}",
            )
    audit.record(
        db,
        actor=viewer,
        action="network.comment",
        object_type="network_post",
        object_id=post.id,
        status=str(item.status),
    )
    return item


def comments(*, db: Session, viewer: User, post: NetworkPost) -> list[NetworkComment]:
    query = select(NetworkComment).where(
        NetworkComment.post_id == post.id,
        or_(
            NetworkComment.status == ContentStatus.visible,
            NetworkComment.author_id == viewer.id,
        ),
    )
    return list(db.exec(query.order_by(col(NetworkComment.id)).limit(500)))


def follow(
    *,
    db: Session,
    viewer: User,
    user_id: int | None = None,
    topic: str | None = None,
    on: bool = True,
) -> bool:
    """Follow a clinician or a topic (or stop, with on=False); the same request twice changes nothing."""
    require(viewer)
    topic = (topic or "").strip().lower().lstrip("#") or None
    if (user_id is None) == (topic is None):
        raise InvalidInput("follow either a clinician or a topic", field="user_id")
    if user_id is not None:
        other = db.get(User, user_id)
        if other is None or not other.is_verified_clinician or other.id == viewer.id:
            raise InvalidInput("you can follow other verified clinicians", field="user_id")
    same = (
        col(Follow.follower_id) == viewer.id,
        col(Follow.followee_id).is_(None) if user_id is None else Follow.followee_id == user_id,
        col(Follow.topic).is_(None) if topic is None else Follow.topic == topic,
    )
    if not on:
        db.exec(delete(Follow).where(*same))
    elif db.exec(select(Follow.id).where(*same)).first() is None:
        # A clinician follow is unique in the table; a topic follow (followee empty, which the
        # unique constraint does not compare) could be stored twice by two requests at once,
        # which reads the same and is removed together.
        insert_missing(db, Follow, follower_id=viewer.id, followee_id=user_id, topic=topic)
    return on


def _context(db: Session, target) -> dict:
    post = db.get(NetworkPost, getattr(target, "post_id", None) or target.id)
    author = db.get(User, target.author_id)
    hidden = post.anonymous and target.author_id == post.author_id
    return {
        "where": Message("clinician network ({kind})", kind=post.kind),
        "link": f"/network/posts/{post.id}",
        "author": author.display_name if author else "?",
        # Reviewers who are not administrators read "an anonymous clinician" instead.
        "anonymous": hidden,
        "title": post.title,
        "thread": [],
    }


# What the review queue holds of this module's content; app/review/kinds.py registers it at start-up.
REVIEW_KINDS = {
    "network_post": review.ContentKind(model=NetworkPost, label="network post", context=_context),
    "network_comment": review.ContentKind(
        model=NetworkComment, label="network comment", context=_context
    ),
}


def authors_of(db: Session, items: list) -> list[User]:
    ids = {i.author_id for i in items}
    return list(db.exec(select(User).where(col(User.id).in_(ids)))) if ids else []
