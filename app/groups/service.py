"""Support-group operations used so far: creating groups and managing memberships."""

from sqlmodel import Session, select

from app.accounts.models import User
from app.audit import service as audit
from app.errors import Conflict
from app.groups.models import GroupMembership, GroupRole, MembershipStatus, SupportGroup, Visibility


def create_group(
    *,
    db: Session,
    name: str,
    description: str,
    visibility: Visibility,
    actor: User,
    rules: str = "",
) -> SupportGroup:
    """A new group; its creator becomes its first admin."""
    if db.exec(select(SupportGroup).where(SupportGroup.name == name.strip())).first():
        raise Conflict(f"a group named {name!r} exists already", field="name")
    group = SupportGroup(
        name=name.strip(),
        description=description,
        rules=rules,
        visibility=visibility,
        created_by=actor.id,
    )
    db.add(group)
    db.flush()
    add_member(db=db, group=group, user=actor, role=GroupRole.admin, actor=actor)
    audit.record(
        db,
        actor=actor,
        action="group.create",
        object_type="group",
        object_id=group.id,
        visibility=str(visibility),
    )
    return group


def add_member(
    *, db: Session, group: SupportGroup, user: User, role: GroupRole, actor: User
) -> GroupMembership:
    """Make user an active member of group with role."""
    membership = GroupMembership(
        group_id=group.id, user_id=user.id, role=role, status=MembershipStatus.active
    )
    db.add(membership)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="group.member.add",
        object_type="group",
        object_id=group.id,
        member_id=user.id,
        role=str(role),
    )
    return membership


def memberships_of(*, db: Session, user: User) -> list[tuple[SupportGroup, GroupMembership]]:
    """The groups user is an active member of, with the membership (and so the per-group role)."""
    query = (
        select(SupportGroup, GroupMembership)
        .join(GroupMembership, GroupMembership.group_id == SupportGroup.id)
        .where(
            GroupMembership.user_id == user.id, GroupMembership.status == MembershipStatus.active
        )
        .order_by(SupportGroup.name)
    )
    return list(db.exec(query))
