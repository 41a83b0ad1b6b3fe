"""Outreach beyond reminders: approved message templates, results-ready notices, events with their
invitations and registrations, and prevention campaigns sent to a segment."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.contacts.models import Contact, Language  # noqa: F401 - the table referenced here
from app.database import enum_type


class TemplateKind(StrEnum):
    results_ready = "results_ready"
    invitation = "invitation"
    campaign = "campaign"


class TemplateStatus(StrEnum):
    draft = "draft"
    approved = "approved"


class MessageTemplate(SQLModel, table=True):
    """A text per language that staff may send; only a clinician's approval of this version lets it out."""

    id: int | None = Field(default=None, primary_key=True)
    kind: TemplateKind = Field(sa_type=enum_type(TemplateKind))
    name: str = Field(max_length=80)
    text_es: str = Field(sa_column=Column(Text, nullable=False))
    text_en: str = Field(sa_column=Column(Text, nullable=False))
    status: TemplateStatus = Field(default=TemplateStatus.draft, sa_type=enum_type(TemplateStatus))
    # What moderation flagged (besides health data and misinformation, which are refused): the
    # approving clinician sees it.
    moderation_flags: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True))
    )
    version: int = 1
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )

    def text(self, language: Language | str) -> str:
        return self.text_en if str(language) == Language.en else self.text_es


class ResultsNotice(SQLModel, table=True):
    """One "your results are ready" SMS; the lab's external_id makes a repeated request send once."""

    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, max_length=100, unique=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    template_id: int = Field(foreign_key="messagetemplate.id")
    sms_id: int | None = None
    requested_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Event(SQLModel, table=True):
    """A forum, course or screening the practice invites people to."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    place: str = Field(max_length=120)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    capacity: int | None = None
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class EventRegistration(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("event_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    contact_id: int = Field(foreign_key="contact.id")
    keyword: str | None = Field(default=None, max_length=20)  # the SMS reply that registered them
    registered_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class CampaignStatus(StrEnum):
    draft = "draft"
    scheduled = "scheduled"  # its SMS are queued for the engine
    paused = "paused"  # its pending SMS wait; the engine sends none of them
    cancelled = "cancelled"


class Campaign(SQLModel, table=True):
    """One approved template sent to a segment at a time: a prevention campaign or an event's invitation."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    kind: TemplateKind = Field(sa_type=enum_type(TemplateKind))  # campaign or invitation
    template_id: int = Field(foreign_key="messagetemplate.id")
    # The template version a clinician approved when the campaign was scheduled: a later edit of
    # the template stops the campaign's pending SMS.
    template_version: int | None = None
    event_id: int | None = Field(default=None, foreign_key="event.id", index=True)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language: Language | None = Field(default=None, sa_type=enum_type(Language, 5))
    age_min: int | None = None
    age_max: int | None = None
    scheduled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    status: CampaignStatus = Field(default=CampaignStatus.draft, sa_type=enum_type(CampaignStatus))
    audience: int = 0  # contacts reached when it was scheduled
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
