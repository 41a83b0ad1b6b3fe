"""Support groups: who may find, read and join them, and what admins and moderators may do."""

from datetime import timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from app.accounts.models import Role, User
from app.audit import service as audit
from app.clock import to_local, utcnow
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.groups.models import (
    GroupCreate,
    GroupMembership,
    GroupPublic,
    GroupRole,
    MembershipStatus,
    SupportGroup,
    Visibility,
)
from app.i18n import Message
from app.notifications import service as notifications
from app.settings import get_settings

MANAGERS = (GroupRole.admin, GroupRole.moderator)
CREATORS = (Role.admin, Role.marketing, Role.clinician)


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
    if actor.role not in CREATORS:
        raise PermissionDenied("only practice staff create groups")
    name = name.strip()
    taken = Conflict("a group named “{name}” exists already", field="name", name=name)
    if db.exec(select(SupportGroup.id).where(SupportGroup.name == name)).first():
        raise taken
    group = SupportGroup(
        name=name, description=description, rules=rules, visibility=visibility, created_by=actor.id
    )
    try:
        # A savepoint: a clash rolls back only this insert, so the request's session (and the
        # signed-in user it holds) stays usable for the 409 answer.
        with db.begin_nested():
            db.add(group)
    except IntegrityError:
        # Someone created a group of this name since the check above (the name is unique).
        raise taken from None
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


def create(*, db: Session, data: GroupCreate, actor: User) -> SupportGroup:
    return create_group(
        db=db,
        name=data.name,
        description=data.description,
        visibility=data.visibility,
        rules=data.rules,
        actor=actor,
    )


def add_member(
    *, db: Session, group: SupportGroup, user: User, role: GroupRole, actor: User
) -> GroupMembership:
    """Make user an active member of group with role."""
    membership = membership_of(db=db, group_id=group.id, user_id=user.id) or GroupMembership(
        group_id=group.id, user_id=user.id
    )
    membership.role, membership.status = role, MembershipStatus.active
    membership.rules_accepted_at = membership.rules_accepted_at or utcnow()
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


def membership_of(*, db: Session, group_id: int, user_id: int | None) -> GroupMembership | None:
    if user_id is None:
        return None
    query = select(GroupMembership).where(
        GroupMembership.group_id == group_id, GroupMembership.user_id == user_id
    )
    return db.exec(query).first()


def is_banned(membership: GroupMembership | None) -> bool:
    if membership is None or membership.status != MembershipStatus.banned:
        return False
    return membership.banned_until is None or membership.banned_until > utcnow()


def is_active(membership: GroupMembership | None) -> bool:
    return membership is not None and membership.status == MembershipStatus.active


def is_manager(membership: GroupMembership | None) -> bool:
    return is_active(membership) and membership.role in MANAGERS


def can_read(group: SupportGroup, membership: GroupMembership | None) -> bool:
    """Public content is for everyone signed in; private and hidden content for members only."""
    if is_banned(membership):
        return False
    return group.visibility == Visibility.public or is_active(membership)


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


def findable(viewer: User):
    """The statement every group read starts from: hidden groups only for members and invitees."""
    mine = select(GroupMembership.group_id).where(
        GroupMembership.user_id == viewer.id,
        col(GroupMembership.status).in_((MembershipStatus.active, MembershipStatus.invited)),
    )
    return select(SupportGroup).where(
        or_(SupportGroup.visibility != Visibility.hidden, col(SupportGroup.id).in_(mine))
    )


def get(*, db: Session, viewer: User, group_id: int) -> tuple[SupportGroup, GroupMembership | None]:
    """A group the viewer may know exists, with the viewer's membership (404 otherwise)."""
    group = db.exec(findable(viewer).where(SupportGroup.id == group_id)).first()
    if group is None:
        raise NotFound("no such group")
    return group, membership_of(db=db, group_id=group.id, user_id=viewer.id)


def get_readable(*, db: Session, viewer: User, group_id: int):
    """A group whose content the viewer may read; private content of others' groups is a 404."""
    group, membership = get(db=db, viewer=viewer, group_id=group_id)
    if not can_read(group, membership):
        raise NotFound("no such group, or it is private")
    return group, membership


def get_managed(*, db: Session, viewer: User, group_id: int):
    """A group the viewer administers or moderates (403 for members, 404 for outsiders)."""
    group, membership = get_readable(db=db, viewer=viewer, group_id=group_id)
    if not is_manager(membership):
        raise PermissionDenied("only the group's admins and moderators can do this")
    return group, membership


def list_groups(*, db: Session, viewer: User, q: str = "") -> list[GroupPublic]:
    """Every group the viewer may find, with member counts and the viewer's own standing."""
    query = findable(viewer).order_by(SupportGroup.name)
    if q.strip():
        query = query.where(col(SupportGroup.name).ilike(f"%{q.strip()}%"))
    groups = list(db.exec(query.limit(200)))
    ids = [g.id for g in groups]
    member_counts = dict(
        db.exec(
            select(GroupMembership.group_id, func.count())
            .where(
                col(GroupMembership.group_id).in_(ids),
                GroupMembership.status == MembershipStatus.active,
            )
            .group_by(GroupMembership.group_id)
        ).all()
    )
    mine = {
        m.group_id: m
        for m in db.exec(
            select(GroupMembership).where(
                GroupMembership.user_id == viewer.id, col(GroupMembership.group_id).in_(ids)
            )
        )
    }
    return [public(g, mine.get(g.id), member_counts.get(g.id, 0)) for g in groups]


def public(group: SupportGroup, membership: GroupMembership | None, members: int = 0):
    return GroupPublic(
        **group.model_dump(include={"id", "name", "description", "rules"}),
        visibility=Visibility(group.visibility),
        member_count=members,
        my_status=str(membership.status) if membership else None,
        my_role=str(membership.role) if membership and is_active(membership) else None,
    )


def managers(*, db: Session, group_id: int) -> list[int]:
    """The ids of the group's active admins and moderators."""
    query = select(GroupMembership.user_id).where(
        GroupMembership.group_id == group_id,
        GroupMembership.status == MembershipStatus.active,
        col(GroupMembership.role).in_(MANAGERS),
    )
    return list(db.exec(query))


def managed_by(*, db: Session, user_id: int) -> list[int]:
    """The ids of the groups this person moderates (an active admin or moderator of)."""
    query = select(GroupMembership.group_id).where(
        GroupMembership.user_id == user_id,
        GroupMembership.status == MembershipStatus.active,
        col(GroupMembership.role).in_(MANAGERS),
    )
    return list(db.exec(query))


def join(*, db: Session, viewer: User, group_id: int, accept_rules: bool) -> GroupMembership:
    """Join a public group, ask to join a private one, or accept an invitation to a hidden one."""
    group, membership = get(db=db, viewer=viewer, group_id=group_id)
    if is_banned(membership):
        raise PermissionDenied(
            "you are banned from this group: {reason}", reason=membership.ban_reason or ""
        )
    if is_active(membership):
        raise Conflict("you are a member already")
    if membership and membership.status == MembershipStatus.requested:
        raise Conflict("your request is waiting for the group's moderators")
    if group.rules.strip() and not accept_rules:
        raise InvalidInput("read and accept the group's rules to join", field="accept_rules")
    invited = membership is not None and membership.status == MembershipStatus.invited
    membership = membership or GroupMembership(group_id=group.id, user_id=viewer.id)
    membership.role = GroupRole.member
    membership.ban_reason = membership.banned_until = None
    membership.rules_accepted_at = utcnow()
    membership.joined_at = utcnow()
    if group.visibility == Visibility.public or invited:
        membership.status = MembershipStatus.active
    else:
        membership.status = MembershipStatus.requested
        for manager_id in managers(db=db, group_id=group.id):
            notifications.notify(
                db=db,
                user_id=manager_id,
                kind="join_request",
                message=Message(
                    "{name} asks to join {group}", name=viewer.display_name, group=group.name
                ),
                link=f"/groups/{group.id}/members",
            )
    try:
        with db.begin_nested():  # see create(): only this insert is rolled back on a clash
            db.add(membership)
    except IntegrityError:
        # The same person's second join request, sent while the first was being handled.
        raise Conflict("you are a member already") from None
    audit.record(
        db,
        actor=viewer,
        action="group.join" if membership.status == MembershipStatus.active else "group.request",
        object_type="group",
        object_id=group.id,
    )
    return membership


def leave(*, db: Session, viewer: User, group_id: int) -> None:
    group, membership = get(db=db, viewer=viewer, group_id=group_id)
    if membership is None or membership.status == MembershipStatus.banned:
        raise Conflict("you are not a member")
    if membership.role == GroupRole.admin and managers(db=db, group_id=group.id) == [viewer.id]:
        raise Conflict("a group needs an admin: make someone else admin before leaving")
    db.delete(membership)
    audit.record(db, actor=viewer, action="group.leave", object_type="group", object_id=group.id)


def invite(*, db: Session, viewer: User, group_id: int, username: str) -> GroupMembership:
    group, _mine = get_managed(db=db, viewer=viewer, group_id=group_id)
    user = db.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None or not user.is_active:
        raise InvalidInput("no user called “{username}”", field="username", username=username)
    membership = membership_of(db=db, group_id=group.id, user_id=user.id)
    if membership is not None and membership.status != MembershipStatus.requested:
        raise Conflict(
            "{name} is already {status}", name=user.display_name, status=membership.status
        )
    membership = membership or GroupMembership(group_id=group.id, user_id=user.id)
    membership.status = MembershipStatus.invited
    db.add(membership)
    notifications.notify(
        db=db,
        user_id=user.id,
        kind="invitation",
        message=Message("You are invited to join {group}", group=group.name),
        link=f"/groups/{group.id}",
    )
    audit.record(
        db,
        actor=viewer,
        action="group.invite",
        object_type="group",
        object_id=group.id,
        member_id=user.id,
    )
    return membership


MEMBER_ACTIONS = ("approve", "reject", "role", "mute", "unmute", "ban", "unban")


def manage_member(
    *,
    db: Session,
    viewer: User,
    group_id: int,
    user_id: int,
    action: str,
    role: str | None = None,
    reason: str = "",
    days: int | None = None,
) -> GroupMembership:
    """Approve or reject a request, change a role, mute or ban (with a reason and a duration)."""
    group, mine = get_managed(db=db, viewer=viewer, group_id=group_id)
    if action not in MEMBER_ACTIONS:
        raise InvalidInput(
            "unknown action (one of {actions})", field="action", actions=", ".join(MEMBER_ACTIONS)
        )
    membership = membership_of(db=db, group_id=group.id, user_id=user_id)
    if membership is None or user_id == viewer.id:
        raise NotFound("no such member")
    if membership.role == GroupRole.admin and mine.role != GroupRole.admin:
        raise PermissionDenied("moderators cannot act on the group's admins")
    if action in ("mute", "ban") and not reason.strip():
        raise InvalidInput("give a reason: the member is told", field="reason")
    if days is not None and not 0 <= days <= 3650:
        raise InvalidInput("days must be between 0 and 3650 (0: no end)", field="days")
    until = utcnow() + timedelta(days=days) if days else None
    message = None
    if action == "approve":
        if membership.status != MembershipStatus.requested:
            raise Conflict("there is no request to approve")
        membership.status = MembershipStatus.active
        membership.joined_at = utcnow()
        message = Message("Your request to join {group} was approved", group=group.name)
    elif action == "reject":
        if membership.status != MembershipStatus.requested:
            raise Conflict("there is no request to reject")
        db.delete(membership)
        message = Message("Your request to join {group} was not accepted", group=group.name)
    elif action == "role":
        if mine.role != GroupRole.admin:
            raise PermissionDenied("only the group's admins change roles")
        if role not in GroupRole.__members__:
            raise InvalidInput("role must be admin, moderator or member", field="role")
        membership.role = GroupRole(role)
    elif action == "mute":
        membership.muted_until = until or utcnow() + timedelta(days=1)
        message = Message(
            "You are muted in {group} until {until}: {reason}",
            group=group.name,
            until=f"{to_local(membership.muted_until, get_settings().zone):%Y-%m-%d %H:%M}",
            reason=reason.strip(),
        )
    elif action == "unmute":
        membership.muted_until = None
    elif action == "ban":
        membership.status, membership.banned_until = MembershipStatus.banned, until
        membership.ban_reason = reason.strip()[:300]
        message = Message(
            "You are banned from {group}: {reason}", group=group.name, reason=reason.strip()
        )
    elif action == "unban":
        if membership.status != MembershipStatus.banned:
            raise Conflict("this member is not banned")
        membership.status, membership.ban_reason, membership.banned_until = (
            MembershipStatus.active,
            None,
            None,
        )
    if action != "reject":
        db.add(membership)
    if message:
        notifications.notify(
            db=db, user_id=user_id, kind="group", message=message, link=f"/groups/{group.id}"
        )
    audit.record(
        db,
        actor=viewer,
        action=f"group.member.{action}",
        object_type="group",
        object_id=group.id,
        member_id=user_id,
        days=days,
    )
    db.flush()
    return membership


def members(*, db: Session, group_id: int) -> list[tuple[GroupMembership, User]]:
    """Memberships with their users, requests first."""
    query = (
        select(GroupMembership, User)
        .join(User, col(User.id) == GroupMembership.user_id)
        .where(GroupMembership.group_id == group_id)
        .order_by(GroupMembership.status != MembershipStatus.requested, User.display_name)
    )
    return list(db.exec(query))
