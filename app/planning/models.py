"""The posting schedule: the times of the week each channel publishes at, in practice time."""

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow


class PostingSlot(SQLModel, table=True):
    """One time of one weekday (0 = Monday) at which a channel takes the next queued post.

    The time is wall-clock time in the practice's zone, so a slot stays at 10:00 across DST changes.
    """

    __table_args__ = (UniqueConstraint("channel_id", "weekday", "minute"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    weekday: int = Field(ge=0, le=6)
    minute: int = Field(ge=0, lt=24 * 60)  # minutes after local midnight
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
