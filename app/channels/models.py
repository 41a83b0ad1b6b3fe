"""Connected channels; their credentials are stored only encrypted."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.database import enum_type


class ChannelKind(StrEnum):
    outbox = "outbox"
    x = "x"
    facebook = "facebook"


class ChannelStatus(StrEnum):
    active = "active"
    reconnect_needed = "reconnect_needed"
    disabled = "disabled"


class Channel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: ChannelKind = Field(sa_type=enum_type(ChannelKind))
    name: str = Field(max_length=60, unique=True)
    account_label: str | None = Field(default=None, max_length=120)
    # The account's picture as the network shows it (a data: URI), for previews; set by a test.
    picture: str | None = Field(default=None, sa_column=Column(Text))
    credentials_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    status: ChannelStatus = Field(default=ChannelStatus.active, sa_type=enum_type(ChannelStatus))
    status_reason: str | None = Field(default=None, max_length=300)
    throttled_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ChannelPublic(SQLModel):
    """A channel as shown: never its credentials."""

    id: int
    kind: ChannelKind
    name: str
    account_label: str | None
    status: ChannelStatus
    status_reason: str | None


class OutboxMessage(SQLModel, table=True):
    """What the local outbox channel 'published'."""

    __table_args__ = (Index("ix_outboxmessage_reference", "channel_id", "reference"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    link: str | None = Field(default=None, max_length=2000)
    media_count: int = 0
    # The sender's key for the message (a delivery's reference), echoed back when it is looked up.
    reference: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class OutboxComment(SQLModel, table=True):
    """A comment on an outbox post: what the public would write under a real channel's post."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="outboxmessage.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="outboxcomment.id")
    author_name: str = Field(max_length=120)
    text: str = Field(sa_column=Column(Text, nullable=False))
    from_page: bool = False  # the practice's own reply
    hidden: bool = False
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
