"""The clinician network: case discussions, events and jobs; comments; follows of people and topics."""

from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import AwareInstant, UTCDateTime, utcnow
from app.database import enum_type
from app.i18n import N_
from moderation.models import ContentStatus

TOPIC_PATTERN = r"^[a-z0-9áéíóúñü-]{2,40}$"


class NetworkKind(StrEnum):
    case = "case"
    event = "event"
    job = "job"


class NetworkPost(SQLModel, table=True):
    __table_args__ = (
        Index("ix_networkpost_status_id", "status", "id"),
        Index("ix_networkpost_author_id", "author_id", "id"),
        Index("ix_networkpost_topic_id", "topic", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="user.id")
    kind: NetworkKind = Field(sa_type=enum_type(NetworkKind, 10))
    title: str = Field(max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    topic: str | None = Field(default=None, max_length=40)
    status: ContentStatus = Field(default=ContentStatus.visible, sa_type=enum_type(ContentStatus))
    notice: str | None = Field(default=None, sa_column=Column(Text))
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    starts_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    place: str | None = Field(default=None, max_length=200)
    hours: str | None = Field(default=None, max_length=100)
    contact: str | None = Field(default=None, max_length=200)
    comment_count: int = 0
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class NetworkComment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="networkpost.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: ContentStatus = Field(default=ContentStatus.visible, sa_type=enum_type(ContentStatus))
    notice: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Follow(SQLModel, table=True):
    """A clinician follows another clinician (followee_id) or a topic."""

    __table_args__ = (UniqueConstraint("follower_id", "followee_id", "topic"),)

    id: int | None = Field(default=None, primary_key=True)
    follower_id: int = Field(foreign_key="user.id", index=True)
    followee_id: int | None = Field(default=None, foreign_key="user.id")
    topic: str | None = Field(default=None, max_length=40)


class NetworkPostCreate(SQLModel):
    kind: NetworkKind
    title: str = Field(min_length=3, max_length=200)
    text: str = Field(min_length=1, max_length=10000)
    topic: str | None = Field(default=None, max_length=40)
    starts_at: AwareInstant | None = None
    place: str | None = Field(default=None, max_length=200)
    hours: str | None = Field(default=None, max_length=100)
    contact: str | None = Field(default=None, max_length=200)

    @field_validator("topic", mode="before")
    @classmethod
    def _topic(cls, value):
        if value is not None and not isinstance(value, str):
            raise ValueError("the topic must be text")
        if isinstance(value, str):
            value = value.strip().lower().lstrip("#").replace(" ", "-") or None
        if value is not None:
            import re

            if not re.match(TOPIC_PATTERN, value):
                raise ValueError(N_("use 2 to 40 letters, digits or '-'"))
        return value


class NetworkPostPublic(SQLModel):
    id: int
    kind: NetworkKind
    title: str
    text: str
    topic: str | None
    status: ContentStatus
    notice: str | None
    author: str
    author_id: int
    specialty: str | None
    starts_at: datetime | None
    place: str | None
    hours: str | None
    contact: str | None
    comment_count: int
    created_at: datetime


class FollowIn(SQLModel):
    user_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    topic: str | None = Field(default=None, max_length=40)
    following: bool = Field(default=True, description="false stops following")
