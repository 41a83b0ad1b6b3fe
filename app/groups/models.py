"""Support groups and their memberships, which carry the per-group roles."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, Text, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.database import enum_type
from app.review.models import ContentStatus
from moderation.text import normalise


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


class GroupPost(SQLModel, table=True):
    """A thread's first post (parent_id empty) or a reply in it."""

    __table_args__ = (
        Index("ix_grouppost_threads", "group_id", "parent_id", "last_activity_at", "id"),
        Index("ix_grouppost_author_at", "author_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="supportgroup.id")
    author_id: int = Field(foreign_key="user.id")
    parent_id: int | None = Field(default=None, foreign_key="grouppost.id", index=True)
    # A thread's title and category (replies have neither).
    title: str | None = Field(default=None, max_length=120)
    category_id: int | None = Field(default=None, foreign_key="groupcategory.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    # Title and text normalised (lower case, accents folded) for search on any database.
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: ContentStatus = Field(default=ContentStatus.visible, sa_type=enum_type(ContentStatus))
    # The automatic reply shown under held content (emergency numbers, "a clinician will answer").
    notice: str | None = Field(default=None, sa_column=Column(Text))
    clinician_answer: bool = False
    pinned: bool = False
    reply_count: int = 0
    last_activity_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    edited_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Deleted by its author: the row and its text stay for moderators and the audit trail.
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


def search_text(title: str | None, text: str | None) -> str:
    """What group search looks in: title and text, normalised."""
    return normalise(f"{title or ''} {text or ''}")


def _refresh_search_text(post: GroupPost, value, _old, initiator) -> None:
    """Keep search_text in step with title and text when they change after creation, whoever
    changes them (a moderator's edit from the review queue included)."""
    title = value if initiator.key == "title" else post.title
    text = value if initiator.key == "text" else post.text
    post.search_text = search_text(title, text)


event.listen(GroupPost.text, "set", _refresh_search_text)
event.listen(GroupPost.title, "set", _refresh_search_text)


class GroupCategory(SQLModel, table=True):
    """A group's own categories for threads, managed by the group's admins."""

    __table_args__ = (UniqueConstraint("group_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="supportgroup.id", index=True)
    name: str = Field(max_length=40)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class GroupPostVersion(SQLModel, table=True):
    """A post as it read before an edit or a deletion (for the group's moderators only)."""

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="grouppost.id", index=True)
    title: str | None = Field(default=None, max_length=120)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: ContentStatus = Field(sa_type=enum_type(ContentStatus))
    # When this version stopped being current, and why ("edit" or "delete").
    replaced_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    change: str = Field(default="edit", max_length=10)


class GroupThreadFollow(SQLModel, table=True):
    """A member follows a thread: its new replies go into the member's weekly digest."""

    __table_args__ = (UniqueConstraint("user_id", "post_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    post_id: int = Field(foreign_key="grouppost.id", index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class GroupPostImage(SQLModel, table=True):
    """An image attached to a post, re-encoded without metadata and stored by content hash."""

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="grouppost.id", index=True)
    mime_type: str = Field(max_length=40)
    size: int
    width: int
    height: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


REACTIONS = ("support", "thanks", "hug")


class GroupReaction(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("post_id", "user_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="grouppost.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=10)


class GroupCreate(SQLModel):
    name: str = Field(min_length=3, max_length=80)
    description: str = Field(default="", max_length=2000)
    rules: str = Field(default="", max_length=4000)
    visibility: Visibility = Visibility.public


class GroupPublic(SQLModel):
    id: int
    name: str
    description: str
    rules: str
    visibility: Visibility
    member_count: int = 0
    my_status: str | None = None
    my_role: str | None = None


class TextIn(SQLModel):
    text: str = Field(min_length=1, max_length=5000)


class ThreadIn(TextIn):
    """A new thread: a title (the first line of the text when left out) and a category."""

    title: str | None = Field(default=None, max_length=120)
    category_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class GroupPostPublic(SQLModel):
    """A post as others see it: the author's pseudonym, never a real name."""

    id: int
    group_id: int
    parent_id: int | None
    title: str | None = None
    category: str | None = None
    author: str
    clinician_answer: bool
    text: str
    status: ContentStatus
    notice: str | None
    pinned: bool
    reply_count: int
    reactions: dict[str, int] = {}
    my_reactions: list[str] = []
    images: list[int] = []
    edited: bool = False
    deleted: bool = False
    created_at: datetime
