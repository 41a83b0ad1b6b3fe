"""SMS in and out: outbound messages the delivery engine sends, replies, and the local phone."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.appointments.models import Appointment, ReminderPlan  # noqa: F401 - the tables referenced here
from app.clock import UTCDateTime, utcnow
from app.contacts.models import ConsentRecord, Contact, Language, Purpose, Suppression  # noqa: F401
from app.database import enum_type
from app.outreach.models import Campaign  # noqa: F401 - the table referenced here
from app.review.models import ContentStatus


class SmsStatus(StrEnum):
    pending = "pending"  # waiting for due_at; the engine claims these
    sending = "sending"  # claimed by the engine
    sent = "sent"  # the provider accepted it
    delivered = "delivered"
    undelivered = "undelivered"
    failed = "failed"
    uncertain = "uncertain"  # the outcome could not be settled: a person checks
    withdrawn = "withdrawn"  # no longer wanted (appointment cancelled or moved away)
    skipped = "skipped"  # not allowed at send time (opt-out, suppression)


class SmsKind(StrEnum):
    reminder = "reminder"
    confirmation = "confirmation"  # answers SÍ / CAMBIAR
    opt_out = "opt_out"  # confirms BAJA once
    opt_in = "opt_in"  # confirms ALTA
    help = "help"
    emergency = "emergency"  # the automatic answer to a message that reads as an emergency
    test = "test"
    results = "results"  # "your results are ready to collect", never the results themselves
    invitation = "invitation"  # to an event, answered SÍ to register
    registration = "registration"  # confirms a SÍ to an invitation
    campaign = "campaign"
    follow_up = "follow_up"  # a step of a follow-up sequence
    notice = "notice"  # today's appointment: running late or moved to another room


class Intent(StrEnum):
    confirm = "confirm"
    change = "change"
    stop = "stop"
    start = "start"
    help = "help"
    other = "other"


class OutboundSms(SQLModel, table=True):
    """One SMS to one number; the delivery engine claims pending rows whose due_at has come."""

    __table_args__ = (
        Index("ix_outboundsms_due", "status", "due_at", "id"),
        UniqueConstraint("appointment_id", "plan_id", "offset_hours"),
        UniqueConstraint("campaign_id", "contact_id"),  # a campaign reaches each contact once
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    to_phone: str = Field(max_length=20)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    plan_id: int | None = Field(default=None, foreign_key="reminderplan.id")
    offset_hours: int | None = None
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    kind: SmsKind = Field(sa_type=enum_type(SmsKind))
    purpose: Purpose = Field(sa_type=enum_type(Purpose))
    language: Language = Field(default=Language.es, sa_type=enum_type(Language, 5))
    body: str = Field(sa_column=Column(Text, nullable=False))
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: SmsStatus = Field(default=SmsStatus.pending, sa_type=enum_type(SmsStatus))
    attempts: int = 0
    provider: str | None = Field(default=None, max_length=20)
    provider_sid: str | None = Field(default=None, max_length=64, index=True)
    provider_status: str | None = Field(default=None, max_length=20)
    error: str | None = Field(default=None, max_length=300)
    error_code: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    status_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The delivery engine's claim: who holds it, since when (the first try, for reconciling), until when.
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    needs_reconcile: bool = False  # the last try may have gone out: look it up before any resend


class InboundSms(SQLModel, table=True):
    """A message a person sent to the practice's number: keyword replies and the staff inbox."""

    __table_args__ = (UniqueConstraint("provider", "provider_sid"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=20)
    provider_sid: str = Field(max_length=64)
    from_phone: str = Field(max_length=20, index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    intent: Intent = Field(sa_type=enum_type(Intent))
    status: ContentStatus = Field(default=ContentStatus.visible, sa_type=enum_type(ContentStatus))
    author_id: int | None = None  # a patient without a carepost account (the review queue reads it)
    needs_staff: bool = False
    handled_by: int | None = Field(default=None, foreign_key="user.id")
    handled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class PhoneMessage(SQLModel, table=True):
    """The local phone: what it received from the practice and what the 'patient' answered."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, index=True)
    inbound: bool = False  # written on the phone (a reply), not received by it
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
