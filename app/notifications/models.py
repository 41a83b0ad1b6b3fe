"""A notification is a short line with a link, for one user."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.i18n import from_data


class Notification(SQLModel, table=True):
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=40)
    message: str = Field(max_length=300)
    # The message's id and values, so it reads in the language the user has when reading it.
    text_data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    link: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

    @property
    def text(self) -> str:
        """The message to pass to the reader's translator (stored English when it has no id)."""
        return from_data(self.text_data) if self.text_data else self.message
