"""Follow-up sequences: SMS at offsets from an event (after a procedure, during a treatment)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.database import enum_type
from app.sms.models import OutboundSms  # noqa: F401 - the table FollowUpMessage points at


class SequenceStatus(StrEnum):
    draft = "draft"  # being written; a clinician has not approved this version
    approved = "approved"


class EnrolmentStatus(StrEnum):
    active = "active"
    ended = "ended"  # ended by staff or by the patient's BAJA: pending messages are not sent


class FollowUpSequence(SQLModel, table=True):
    """Steps (a day after the event and a text per language) a clinician approved as a whole."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    send_hour: int = 10  # local hour of the day each step goes, moved into sending hours
    # [{"day": 1, "es": "...", "en": "..."}, ...], days after the event, in order.
    steps: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: SequenceStatus = Field(
        default=SequenceStatus.draft, sa_type=enum_type(SequenceStatus, 12)
    )
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class FollowUpEnrolment(SQLModel, table=True):
    """One contact following one sequence from one event."""

    id: int | None = Field(default=None, primary_key=True)
    sequence_id: int = Field(foreign_key="followupsequence.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id")
    event_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: EnrolmentStatus = Field(
        default=EnrolmentStatus.active, sa_type=enum_type(EnrolmentStatus, 12)
    )
    enrolled_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    ended_by: int | None = Field(default=None, foreign_key="user.id")
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class FollowUpMessage(SQLModel, table=True):
    """The SMS an enrolment's step became; the engine asks the enrolment before sending it."""

    __table_args__ = (UniqueConstraint("enrolment_id", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    enrolment_id: int = Field(foreign_key="followupenrolment.id", index=True)
    step: int
    sms_id: int = Field(foreign_key="outboundsms.id", unique=True)
