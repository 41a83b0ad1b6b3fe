"""Appointments (from the practice software, the API or FHIR) and the plans that remind patients of them."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.database import enum_type


class AppointmentStatus(StrEnum):
    booked = "booked"
    confirmed = "confirmed"
    cancelled = "cancelled"
    reschedule_requested = "reschedule_requested"
    attended = "attended"
    no_show = "no_show"


# Statuses in which the patient is still expected: reminders stay planned.
EXPECTED = frozenset(
    {AppointmentStatus.booked, AppointmentStatus.confirmed, AppointmentStatus.reschedule_requested}
)


class Appointment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    clinician: str = Field(default="", max_length=120)
    place: str = Field(default="", max_length=120)
    status: AppointmentStatus = Field(
        default=AppointmentStatus.booked, sa_type=enum_type(AppointmentStatus, 24)
    )
    source: str = Field(default="carepost", max_length=40)
    external_id: str = Field(max_length=100)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ReminderPlan(SQLModel, table=True):
    """When reminders go (hours before the appointment) and what they say in each language."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    offsets_hours: list[int] = Field(
        default_factory=lambda: [72, 24], sa_column=Column(JSON, nullable=False)
    )
    templates: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
