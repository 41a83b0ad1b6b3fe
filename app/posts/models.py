"""Posts, their target channels, media, per-channel deliveries and engagement snapshots."""

from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from pydantic import field_validator
from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.database import enum_type
from app.review.models import ContentStatus


class PostStatus(StrEnum):
    draft = "draft"
    awaiting_approval = "awaiting_approval"
    approved = "approved"
    rejected = "rejected"
    scheduled = "scheduled"
    paused = "paused"
    cancelled = "cancelled"
    done = "done"


class DeliveryStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    published = "published"
    failed = "failed"
    uncertain = "uncertain"
    cancelled = "cancelled"


class Post(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    link: str | None = Field(default=None, max_length=2000)
    health_claim: bool = False
    status: PostStatus = Field(default=PostStatus.draft, sa_type=enum_type(PostStatus), index=True)
    scheduled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    recurrence: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True))
    )
    next_run_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), index=True))
    reviewed_by: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    review_comment: str | None = Field(default=None, max_length=1000)
    note: str | None = Field(default=None, max_length=500)
    # What the moderation model flagged in the texts: a flagged post needs a clinician's approval.
    moderation_flags: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True))
    )
    # Set once a clinician rejected the post or moderation flagged it (or it went to clinicians):
    # from then on only a clinician's approval of the current version lets it go out.
    needs_clinician: bool = False
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class PostReviewVersion(SQLModel, table=True):
    """What a clinician saw when deciding on a post: an edit after it is shown against this text."""

    __table_args__ = (Index("ix_postreviewversion_post", "post_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id")
    version: int  # the post's version the decision was made on
    text: str = Field(sa_column=Column(Text, nullable=False))
    link: str | None = Field(default=None, max_length=2000)
    # Channel name -> the text written for that channel (channels using the post's text are left out).
    channel_texts: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    approved: bool
    comment: str | None = Field(default=None, max_length=1000)
    decided_by: int = Field(foreign_key="user.id")
    decided_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class PostChannel(SQLModel, table=True):
    """A channel the post goes to, with an optional text written for that channel."""

    __table_args__ = (UniqueConstraint("post_id", "channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    channel_id: int = Field(foreign_key="channel.id")
    text_override: str | None = Field(default=None, sa_column=Column(Text))


class PostMedia(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    filename: str = Field(max_length=200)
    mime_type: str = Field(max_length=60)
    size: int
    sha256: str = Field(max_length=64)


class Delivery(SQLModel, table=True):
    """One post going to one channel at one occurrence: the unit the dispatcher claims and sends."""

    __table_args__ = (
        UniqueConstraint("post_id", "channel_id", "due_at"),
        # The claim reads due rows in (due_at, id) order and stops after a batch: no sort of the queue.
        Index("ix_delivery_due", "status", "due_at", "id"),
        # A message on a channel is the result of one delivery only: a reconciliation can never
        # settle two deliveries with the same remote message.
        Index("uq_delivery_remote", "channel_id", "remote_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: DeliveryStatus = Field(
        default=DeliveryStatus.pending, sa_type=enum_type(DeliveryStatus)
    )
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    needs_reconcile: bool = False
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    first_sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_error: str | None = Field(default=None, max_length=500)
    error_code: str | None = Field(default=None, max_length=20)
    remote_id: str | None = Field(default=None, max_length=100)
    remote_url: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    comments_checked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # When a worker took this post's engagement figures to read (two workers never read one at once).
    metrics_checked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class InboundComment(SQLModel, table=True):
    """A comment someone left on a published post, fetched from the channel and screened.

    `status` is carepost's verdict; `hidden_on_channel` is what the channel shows. The comments job
    brings the second in line with the first (hidden or removed content is hidden on the channel).
    """

    __table_args__ = (
        UniqueConstraint("channel_id", "remote_id"),
        Index("ix_inboundcomment_sync", "status", "hidden_on_channel"),
        # Every engine round lets go of dead workers' claims: found without reading every comment.
        Index("ix_inboundcomment_sync_claim", "sync_claimed_by"),
    )

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id", index=True)
    channel_id: int = Field(foreign_key="channel.id")
    remote_id: str = Field(max_length=100)
    parent_remote_id: str | None = Field(default=None, max_length=100)
    author_name: str = Field(default="", max_length=120)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: ContentStatus = Field(default=ContentStatus.visible, sa_type=enum_type(ContentStatus))
    hidden_on_channel: bool = False
    sync_error: str | None = Field(default=None, max_length=300)
    sync_after: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The delivery engine's claim on bringing the channel in line (hide or show the comment there).
    sync_claimed_by: str | None = Field(default=None, max_length=80)
    sync_lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    sync_attempts: int = 0
    remote_created_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    fetched_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )

    @property
    def author_id(self) -> None:
        """Commenters are people on the channel, not carepost accounts."""
        return None


class ReplyState(StrEnum):
    pending = "pending"
    sending = "sending"  # claimed by the delivery engine
    sent = "sent"
    failed = "failed"
    uncertain = "uncertain"  # the channel may have posted it: a person checks before resending
    cancelled = "cancelled"  # no longer wanted at send time (comment removed, already answered)


class CommentReply(SQLModel, table=True):
    """A public answer to an inbound comment (the automatic one, or a clinician's), sent by the
    delivery engine like any other outbound message."""

    __table_args__ = (
        Index("ix_commentreply_due", "state", "next_attempt_at"),
        # A reply on a channel settles one row only: a reconciliation never takes another's.
        Index("uq_commentreply_remote", "remote_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="inboundcomment.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    automatic: bool = False
    author_id: int | None = Field(default=None, foreign_key="user.id")
    state: ReplyState = Field(default=ReplyState.pending, sa_type=enum_type(ReplyState, 12))
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    needs_reconcile: bool = False
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    error: str | None = Field(default=None, max_length=300)
    remote_id: str | None = Field(default=None, max_length=100)
    remote_url: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class MetricSnapshot(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    values: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def is_web_link(value: str | None) -> bool:
    """An absolute http(s) URL with a host, without spaces or control characters."""
    if not value or len(value) > 2000 or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def web_link(value: str | None) -> str | None:
    """Validator: an empty link is none; anything but an http(s) URL with a host is refused."""
    value = (value or "").strip() or None
    if value is not None and not is_web_link(value):
        raise ValueError("the link must be a web address starting with https:// or http://")
    return value


class PostCreate(SQLModel):
    """What a marketer submits (API or form)."""

    text: str = Field(min_length=1, max_length=63206)
    link: str | None = Field(default=None, max_length=2000)
    channels: list[int | str] = Field(min_length=1)
    channel_texts: dict[str, str] = Field(default_factory=dict)
    scheduled_at: datetime | None = None
    health_claim: bool = False
    recurrence: dict[str, Any] | None = None
    # A thread on X: the parts after the first (the text), each within one post.
    parts: list[str] = Field(default_factory=list, max_length=24)

    _check_link = field_validator("link")(web_link)


class DeliveryPublic(SQLModel):
    id: int
    channel_id: int
    channel: str
    due_at: datetime
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    remote_id: str | None
    remote_url: str | None
    sent_at: datetime | None


class PostPublic(SQLModel):
    id: int
    text: str
    link: str | None
    health_claim: bool
    status: PostStatus
    scheduled_at: datetime | None
    recurrence: dict[str, Any] | None
    next_run_at: datetime | None
    note: str | None
    review_comment: str | None
    version: int
    channels: list[str]
    deliveries: list[DeliveryPublic]
    parts: list[str] = []
