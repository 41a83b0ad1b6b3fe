"""The last run of each scheduled job, written by the scheduler and read by admins."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime


class JobRun(SQLModel, table=True):
    """One row per job name: when it last ran, last succeeded, and how it last failed.

    The failure is kept as the exception's type only: messages can carry texts and bound parameters.
    """

    name: str = Field(primary_key=True, max_length=40)
    last_started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_success_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_error_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_error_kind: str | None = Field(default=None, max_length=100)
    failures_in_row: int = 0


class JobStatus(SQLModel):
    """A job's health as the admin page and the API show it."""

    name: str
    ok: bool
    last_started_at: datetime | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error_kind: str | None
    failures_in_row: int
