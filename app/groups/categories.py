"""A group's categories for threads: its admins add and remove them; a new thread picks one."""

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit import service as audit
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.groups import service as groups
from app.groups.models import GroupCategory, GroupPost, GroupRole

MAX_NAME = 40
MAX_CATEGORIES = 30


def of_group(*, db: Session, group_id: int) -> list[GroupCategory]:
    """The group's categories, by name."""
    query = select(GroupCategory).where(GroupCategory.group_id == group_id)
    return list(db.exec(query.order_by(GroupCategory.name)))


def check(*, db: Session, group_id: int, category_id: int | None) -> int | None:
    """The category of a new thread: one of the group's, and required when the group has any."""
    known = {c.id for c in of_group(db=db, group_id=group_id)}
    if category_id is None and known:
        raise InvalidInput("choose a category", field="category_id")
    if category_id is not None and category_id not in known:
        raise InvalidInput("no such category in this group", field="category_id")
    return category_id


def _administered(db: Session, viewer: User, group_id: int):
    group, mine = groups.get_managed(db=db, viewer=viewer, group_id=group_id)
    if mine.role != GroupRole.admin:
        raise PermissionDenied("only the group's admins manage its categories")
    return group


def create(*, db: Session, viewer: User, group_id: int, name: str) -> GroupCategory:
    """Add a category (group admins)."""
    group = _administered(db, viewer, group_id)
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput("a category name has 1 to {n} characters", field="name", n=MAX_NAME)
    existing = of_group(db=db, group_id=group.id)
    if any(c.name.casefold() == name.casefold() for c in existing):
        raise Conflict("the group has a category “{name}” already", field="name", name=name)
    if len(existing) >= MAX_CATEGORIES:
        raise Conflict("a group has at most {n} categories", n=MAX_CATEGORIES)
    category = GroupCategory(group_id=group.id, name=name)
    db.add(category)
    db.flush()
    audit.record(
        db, actor=viewer, action="group.category.add", object_type="group", object_id=group.id
    )
    return category


def delete(*, db: Session, viewer: User, group_id: int, category_id: int) -> None:
    """Remove a category (group admins); its threads stay, without a category."""
    group = _administered(db, viewer, group_id)
    category = db.get(GroupCategory, category_id)
    if category is None or category.group_id != group.id:
        raise NotFound("no such category")
    db.exec(
        update(GroupPost).where(col(GroupPost.category_id) == category.id).values(category_id=None)
    )
    db.delete(category)
    db.flush()
    audit.record(
        db, actor=viewer, action="group.category.remove", object_type="group", object_id=group.id
    )
