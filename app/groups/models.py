"""Support groups and their memberships, which carry the per-group roles."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow


class Visibility(StrEnum):
    public = "public"
    private = "private"
    hidden = "hidden"


class GroupRole(StrEnum):
    admin = "admin"
    moderator = "moderator"
    member = "member"


class MembershipStatus(StrEnum):
    active = "active"
    requested = "requested"
    invited = "invited"
    banned = "banned"


class SupportGroup(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    description: str = Field(default="", max_length=2000)
    rules: str = Field(default="", max_length=4000)
    visibility: Visibility = Field(default=Visibility.public, sa_type=String(10))
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class GroupMembership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="supportgroup.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: GroupRole = Field(default=GroupRole.member, sa_type=String(10))
    status: MembershipStatus = Field(default=MembershipStatus.active, sa_type=String(10))
    rules_accepted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    muted_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    ban_reason: str | None = Field(default=None, max_length=300)
    banned_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    joined_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
