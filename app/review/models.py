"""Review items (one per piece of content), the signals that score them, their history and labels.

Modelled on Discourse's reviewables: every signal (classifier, rule, member report, clinician flag)
adds a weighted score to the one item of its content; decisions check a version number.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.database import enum_type


class ContentStatus(StrEnum):
    """Where a piece of user content stands; everything but `visible` is seen only by its author."""

    visible = "visible"
    hidden = "hidden"  # waiting for review (misinformation, phi, spam, reports)
    held = "held"  # a consultation request or emergency waiting for a clinician
    removed = "removed"


class ReviewStatus(StrEnum):
    pending = "pending"
    escalated = "escalated"
    approved = "approved"
    removed = "removed"
    answered = "answered"
    rejected = (
        "rejected"  # a post a clinician did not approve (its author may fix it and ask again)
    )
    withdrawn = (
        "withdrawn"  # the content no longer waits for anyone (edited out of review, cancelled)
    )


OPEN_STATUSES = (ReviewStatus.pending, ReviewStatus.escalated)


class Reviewable(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("kind", "target_id"),
        Index("ix_reviewable_open", "status", "severity", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)
    target_id: int
    group_id: int | None = Field(default=None, foreign_key="supportgroup.id", index=True)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: ReviewStatus = Field(default=ReviewStatus.pending, sa_type=enum_type(ReviewStatus))
    clinical: bool = False
    severity: int = 0
    score: float = 0.0
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    scores: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reasons: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    auto_reply: str | None = Field(default=None, sa_column=Column(Text))
    version: int = 1
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    # A reviewer working on the item: others see it is taken until the claim expires.
    claimed_by: int | None = Field(default=None, foreign_key="user.id")
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # When an emergency passed its target time unanswered (administrators are told once).
    overdue_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ReviewSignal(SQLModel, table=True):
    """One scorer's contribution: the classifier, a rule, a member's report or a clinician's flag."""

    id: int | None = Field(default=None, primary_key=True)
    reviewable_id: int = Field(foreign_key="reviewable.id", index=True)
    source: str = Field(max_length=20)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    label: str | None = Field(default=None, max_length=30)
    weight: float
    reason: str = Field(default="", max_length=300)
    upheld: bool | None = None
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ReviewEvent(SQLModel, table=True):
    """The item's history: every action, who took it and the status it moved between."""

    id: int | None = Field(default=None, primary_key=True)
    reviewable_id: int = Field(foreign_key="reviewable.id", index=True)
    action: str = Field(max_length=20)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    from_status: str = Field(max_length=20)
    to_status: str = Field(max_length=20)
    note: str | None = Field(default=None, max_length=500)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ModerationLabel(SQLModel, table=True):
    """A clinician's decision as training data: the text and the labels it deserved."""

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    labels: str = Field(default="", max_length=200)
    reviewable_id: int | None = Field(default=None, foreign_key="reviewable.id", index=True)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class AppealStatus(StrEnum):
    none = "none"
    pending = "pending"
    upheld = "upheld"
    overturned = "overturned"


class Strike(SQLModel, table=True):
    """A removal held against its author, who may appeal it within a window (as on Mastodon).

    The appeal reopens the review item; approving it overturns the strike and restores the content,
    removing it again upholds the strike.
    """

    __table_args__ = (Index("ix_strike_user_at", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    reviewable_id: int = Field(foreign_key="reviewable.id", unique=True)
    reason: str = Field(default="", max_length=300)
    appeal_until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    appeal_status: AppealStatus = Field(
        default=AppealStatus.none, sa_type=enum_type(AppealStatus, 12)
    )
    appeal_text: str | None = Field(default=None, sa_column=Column(Text))
    appealed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
