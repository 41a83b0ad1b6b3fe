"""The audit event table; rows are only ever inserted (a database trigger refuses changes)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    actor_label: str = Field(max_length=60)
    action: str = Field(max_length=60, index=True)
    object_type: str = Field(max_length=40)
    object_id: str | None = Field(default=None, max_length=40)
    ip: str | None = Field(default=None, max_length=45)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditEventPublic(SQLModel):
    id: int
    at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str | None
    detail: dict[str, Any]
