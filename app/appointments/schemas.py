"""Appointments in and out of the API."""

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from app.appointments.models import AppointmentStatus
from app.contacts.models import Language
from app.contacts.schemas import e164


class AppointmentIn(BaseModel):
    """One appointment from the practice software; `starts_at` without a zone is practice time."""

    external_id: str = Field(min_length=1, max_length=100)
    source: str = Field(default="api", min_length=1, max_length=40)
    starts_at: datetime
    name: str = Field(min_length=1, max_length=120)
    phone: str = Field(max_length=40)
    language: Language = Language.es
    clinician: str = Field(default="", max_length=120)
    place: str = Field(default="", max_length=120)
    status: AppointmentStatus = AppointmentStatus.booked

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return e164(value)


class AppointmentPublic(BaseModel):
    id: int
    contact_id: int
    starts_at: datetime
    clinician: str
    place: str
    status: AppointmentStatus
    source: str
    external_id: str


class PlanIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    offsets_hours: list[int] = Field(min_length=1, max_length=5)
    templates: dict[Language, str]
    active: bool = True

    @field_validator("offsets_hours")
    @classmethod
    def _offsets(cls, value: list[int]) -> list[int]:
        if any(h < 1 or h > 24 * 30 for h in value):
            raise ValueError("each offset is between 1 hour and 30 days (720 hours)")
        return sorted(set(value), reverse=True)
