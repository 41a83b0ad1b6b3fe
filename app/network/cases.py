"""Case posts as readers see them: "useful" reactions, polls, and authors hidden on anonymous cases."""

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.accounts.models import Role, User
from app.database import insert_missing
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import N_
from app.network import service as network
from app.network.models import (
    NetworkPost,
    NetworkPostPublic,
    NetworkReaction,
    PollOption,
    PollOptionPublic,
    PollPublic,
    PollVote,
)
from app.review.models import ContentStatus

ANONYMOUS = N_("Anonymous clinician")


def sees_author(viewer: User, post: NetworkPost) -> bool:
    """Whether viewer may know who wrote post: always, unless it is anonymous and viewer is
    neither an administrator nor the author."""
    return not post.anonymous or viewer.role == Role.admin or viewer.id == post.author_id


def _published(db: Session, viewer: User, post_id: int) -> NetworkPost:
    post = network.get(db=db, viewer=viewer, post_id=post_id)
    if post.status != ContentStatus.visible:
        raise Conflict("this post is not published")
    return post


def toggle_useful(*, db: Session, viewer: User, post_id: int) -> bool:
    """Mark the post useful, or unmark it if already marked; whether it is marked now."""
    post = _published(db, viewer, post_id)
    mine = (col(NetworkReaction.post_id) == post.id, col(NetworkReaction.user_id) == viewer.id)
    if db.exec(select(NetworkReaction.id).where(*mine)).first() is None:
        # Two clicks at once still store one reaction (the pair is unique).
        insert_missing(db, NetworkReaction, post_id=post.id, user_id=viewer.id)
        return True
    db.exec(
        delete(NetworkReaction).where(
            col(NetworkReaction.post_id) == post.id, col(NetworkReaction.user_id) == viewer.id
        )
    )
    return False


def vote(*, db: Session, viewer: User, post_id: int, option_id: int) -> bool:
    """One vote per clinician and poll: False (nothing changes) if the viewer voted already."""
    post = _published(db, viewer, post_id)
    option = db.get(PollOption, option_id)
    if option is None or option.post_id != post.id:
        raise InvalidInput("choose one of the poll's options", field="option_id")
    voted = select(PollVote.id).where(PollVote.post_id == post.id, PollVote.user_id == viewer.id)
    if db.exec(voted).first() is not None:
        return False
    # Two votes at once still store one (the pair is unique): the first one counts.
    insert_missing(db, PollVote, post_id=post.id, option_id=option.id, user_id=viewer.id)
    return True


def _counts(db: Session, ids: list[int], viewer: User) -> tuple[dict, set]:
    query = (
        select(NetworkReaction.post_id, func.count())
        .where(col(NetworkReaction.post_id).in_(ids))
        .group_by(col(NetworkReaction.post_id))
    )
    mine = select(NetworkReaction.post_id).where(
        col(NetworkReaction.post_id).in_(ids), NetworkReaction.user_id == viewer.id
    )
    return dict(db.exec(query).all()), set(db.exec(mine))


def _polls(db: Session, ids: list[int], viewer: User) -> dict[int, PollPublic]:
    options = list(
        db.exec(
            select(PollOption)
            .where(col(PollOption.post_id).in_(ids))
            .order_by(col(PollOption.post_id), col(PollOption.position))
        )
    )
    if not options:
        return {}
    votes = dict(
        db.exec(
            select(PollVote.option_id, func.count())
            .where(col(PollVote.post_id).in_(ids))
            .group_by(col(PollVote.option_id))
        ).all()
    )
    mine = dict(
        db.exec(
            select(PollVote.post_id, PollVote.option_id).where(
                col(PollVote.post_id).in_(ids), PollVote.user_id == viewer.id
            )
        ).all()
    )
    polls: dict[int, PollPublic] = {}
    for option in options:
        shown = option.post_id in mine
        poll = polls.setdefault(
            option.post_id,
            PollPublic(
                options=[],
                voted_option_id=mine.get(option.post_id),
                total_votes=0 if shown else None,
            ),
        )
        count = votes.get(option.id, 0)
        poll.options.append(
            PollOptionPublic(id=option.id, text=option.text, votes=count if shown else None)
        )
        if shown:
            poll.total_votes = (poll.total_votes or 0) + count
    return polls


def public(db: Session, posts: list[NetworkPost], viewer: User) -> list[NetworkPostPublic]:
    """Posts as viewer may read them: no author on an anonymous case, poll results once voted."""
    ids = [p.id for p in posts]
    authors = {p.author_id for p in posts if sees_author(viewer, p)}
    people = (
        {u.id: u for u in db.exec(select(User).where(col(User.id).in_(authors)))} if authors else {}
    )
    useful, mine = _counts(db, ids, viewer) if ids else ({}, set())
    polls = _polls(db, ids, viewer) if ids else {}
    shown = []
    for p in posts:
        author = people.get(p.author_id) if sees_author(viewer, p) else None
        shown.append(
            NetworkPostPublic(
                **p.model_dump(exclude={"search_text", "author_id"}),
                author_id=author.id if author else None,
                author=author.display_name if author else None,
                specialty=author.specialty if author else None,
                useful_count=useful.get(p.id, 0),
                useful_mine=p.id in mine,
                poll=polls.get(p.id),
            )
        )
    return shown


def anonymous_cases(
    *, db: Session, viewer: User, limit: int = 100
) -> list[tuple[NetworkPost, User]]:
    """Every anonymous case with its author, newest first: for administrators only."""
    if viewer.role != Role.admin:
        raise NotFound("not found")
    query = (
        select(NetworkPost, User)
        .join(User, col(User.id) == NetworkPost.author_id)
        .where(col(NetworkPost.anonymous))
        .order_by(col(NetworkPost.id).desc())
        .limit(limit)
    )
    return [(post, user) for post, user in db.exec(query)]
