"""Calls to patients: surveys answered on the keypad, call campaigns, each call and its answers."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.contacts.models import Contact, Language, Purpose  # noqa: F401 - the tables referenced here
from app.database import enum_type


class QuestionKind(StrEnum):
    scale = "scale"  # 1 to 5
    yes_no = "yes_no"  # 1 yes, 2 no
    choice = "choice"  # 1 to 8, one per option


class Survey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    intro_es: str = Field(sa_column=Column(Text, nullable=False))
    intro_en: str = Field(sa_column=Column(Text, nullable=False))
    closing_es: str = Field(sa_column=Column(Text, nullable=False))
    closing_en: str = Field(sa_column=Column(Text, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class SurveyQuestion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("survey_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True)
    position: int
    kind: QuestionKind = Field(sa_type=enum_type(QuestionKind))
    text_es: str = Field(sa_column=Column(Text, nullable=False))
    text_en: str = Field(sa_column=Column(Text, nullable=False))
    # Multiple choice: the options' labels, key 1 first.
    options_es: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    options_en: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class CampaignStatus(StrEnum):
    scheduled = "scheduled"  # its calls are queued for the engine
    cancelled = "cancelled"


class CallCampaign(SQLModel, table=True):
    """Calls to a segment of contacts: a spoken message or a survey, from a moment on."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    purpose: Purpose = Field(sa_type=enum_type(Purpose))  # information, surveys or campaigns
    survey_id: int | None = Field(default=None, foreign_key="survey.id")
    message_es: str | None = Field(default=None, sa_column=Column(Text))
    message_en: str | None = Field(default=None, sa_column=Column(Text))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language: Language | None = Field(default=None, sa_type=enum_type(Language, 5))
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: CampaignStatus = Field(
        default=CampaignStatus.scheduled, sa_type=enum_type(CampaignStatus)
    )
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class CallStatus(StrEnum):
    pending = "pending"  # waiting for due_at; the engine claims these
    sending = "sending"  # claimed by the engine
    placed = "placed"  # the provider accepted it: ringing or in progress
    completed = "completed"  # answered by a person, or the message was left on a machine
    unanswered = "unanswered"  # busy, no answer or a machine on a survey, retries used up
    failed = "failed"
    uncertain = "uncertain"  # the outcome could not be settled: a person checks
    skipped = "skipped"  # not allowed at send time (opt-out, suppression)


class OutboundCall(SQLModel, table=True):
    """One contact's call in a campaign; dialled again only after busy, no answer or a machine."""

    __table_args__ = (
        Index("ix_outboundcall_due", "status", "due_at", "id"),
        UniqueConstraint("campaign_id", "contact_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int | None = Field(default=None, foreign_key="callcampaign.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    to_phone: str = Field(max_length=20)
    purpose: Purpose = Field(sa_type=enum_type(Purpose))
    language: Language = Field(default=Language.es, sa_type=enum_type(Language, 5))
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: CallStatus = Field(default=CallStatus.pending, sa_type=enum_type(CallStatus))
    attempts: int = 0  # the engine's tries at placing the current dial
    dials: int = 0  # calls placed (a busy line or no answer is dialled again, up to a limit)
    provider: str | None = Field(default=None, max_length=20)
    provider_sid: str | None = Field(default=None, max_length=64, unique=True)
    provider_status: str | None = Field(default=None, max_length=20)
    answered_by: str | None = Field(default=None, max_length=30)
    opted_out: bool = False  # pressed 9
    error: str | None = Field(default=None, max_length=300)
    error_code: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    status_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    needs_reconcile: bool = False


class CallAnswer(SQLModel, table=True):
    """The key a person pressed for one question; the first answer stands (webhooks repeat)."""

    __table_args__ = (UniqueConstraint("call_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="outboundcall.id", index=True)
    question_id: int = Field(foreign_key="surveyquestion.id", index=True)
    digit: int
    answered_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class LocalCall(SQLModel, table=True):
    """The browser phone: a call the local voice provider 'placed', waiting to be answered."""

    id: int | None = Field(default=None, primary_key=True)
    sid: str = Field(max_length=64, unique=True)
    number: str = Field(max_length=20, index=True)
    url: str = Field(max_length=300)
    status_callback: str = Field(max_length=300)
    machine_detection: str = Field(max_length=20)
    status: str = Field(default="ringing", max_length=20)
    answered_by: str | None = Field(default=None, max_length=30)
    twiml: str | None = Field(default=None, sa_column=Column(Text))  # what the call says now
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
