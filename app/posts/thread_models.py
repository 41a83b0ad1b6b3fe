"""Threads on X: the parts after a post's first one, and which part went out on which channel."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.database import enum_type


class PartStatus(StrEnum):
    ready = "ready"  # goes out with the thread (written with the post, or needing no approval)
    awaiting_approval = "awaiting_approval"
    approved = "approved"
    rejected = "rejected"


class PostPart(SQLModel, table=True):
    """Part `position` (2, 3, …) of a thread; part 1 is the post's own text.

    Parts written with the post are approved with it; a part added to a published thread
    (`live`) carries its own health claim, moderation flags and clinician approval.
    """

    __table_args__ = (UniqueConstraint("post_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    live: bool = False
    health_claim: bool = False
    moderation_flags: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True))
    )
    status: PartStatus = Field(default=PartStatus.ready, sa_type=enum_type(PartStatus, 20))
    author_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_by: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    review_comment: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class PartState(StrEnum):
    sending = "sending"  # marked before the call: a crash or unknown outcome is looked up first
    sent = "sent"
    failed = "failed"


class ThreadPartSend(SQLModel, table=True):
    """One part of a thread on one channel: written before the call and when it went out, so a
    retry or a crash resumes after the last part sent and never sends a part twice."""

    __table_args__ = (
        UniqueConstraint("post_id", "channel_id", "position"),
        Index("ix_threadpartsend_delivery", "delivery_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id")
    channel_id: int = Field(foreign_key="channel.id")
    position: int
    delivery_id: int = Field(foreign_key="delivery.id")
    state: PartState = Field(default=PartState.sending, sa_type=enum_type(PartState, 12))
    remote_id: str | None = Field(default=None, max_length=100)
    remote_url: str | None = Field(default=None, max_length=500)
    error: str | None = Field(default=None, max_length=500)
    started_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
