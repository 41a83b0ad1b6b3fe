"""Search inside one group: titles and texts, on any database (normalised text, every word).

Members find visible posts only; the group's admins and moderators also find held ones.
"""

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, or_, select

from app.accounts.models import User
from app.groups import service as groups
from app.groups.models import GroupPost, SupportGroup
from app.review.models import ContentStatus
from app.search import match_all, words

LIMIT = 50


def search(
    *, db: Session, viewer: User, group_id: int, q: str
) -> tuple[SupportGroup, list[GroupPost], dict[int, GroupPost]]:
    """Posts of a readable group that hold every word of q, newest first, with their threads."""
    group, membership = groups.get_readable(db=db, viewer=viewer, group_id=group_id)
    if not words(q):
        return group, [], {}
    query = select(GroupPost).where(
        GroupPost.group_id == group.id, col(GroupPost.deleted_at).is_(None)
    )
    if not groups.is_manager(membership):
        thread = aliased(GroupPost)
        readable_threads = select(thread.id).where(
            thread.group_id == group.id,
            thread.status == ContentStatus.visible,
            col(thread.deleted_at).is_(None),
        )
        query = query.where(
            GroupPost.status == ContentStatus.visible,
            or_(
                col(GroupPost.parent_id).is_(None),
                col(GroupPost.parent_id).in_(readable_threads),
            ),
        )
    query = match_all(query, GroupPost.search_text, q)
    found = list(db.exec(query.order_by(col(GroupPost.id).desc()).limit(LIMIT)))
    parent_ids = {p.parent_id for p in found if p.parent_id}
    parents = {}
    if parent_ids:
        parents = {
            p.id: p for p in db.exec(select(GroupPost).where(col(GroupPost.id).in_(parent_ids)))
        }
    return group, found, parents
