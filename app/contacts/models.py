"""The people the practice writes to, what they agreed to, and the numbers that must not be written to."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.database import enum_type


class Language(StrEnum):
    es = "es"
    en = "en"


class Purpose(StrEnum):
    reminders = "reminders"
    results = "results"
    campaigns = "campaigns"
    newsletters = "newsletters"
    invitations = "invitations"
    information = "information"  # informational calls and notices about the practice itself
    surveys = "surveys"  # satisfaction and habit surveys after care
    service = "service"  # answers to a message the person sent (help, opt-out confirmation)


class LegalBasis(StrEnum):
    care = "care"  # GDPR 6.1.b / 9.2.h: the care relationship; the patient may still opt out
    consent = "consent"  # LSSI arts. 20-22: promotional, prior express opt-in
    request = "request"  # the person's own message asked for this answer


LEGAL_BASIS = {
    Purpose.reminders: LegalBasis.care,
    Purpose.results: LegalBasis.care,
    Purpose.campaigns: LegalBasis.consent,
    Purpose.newsletters: LegalBasis.consent,
    Purpose.invitations: LegalBasis.consent,
    Purpose.information: LegalBasis.care,
    Purpose.surveys: LegalBasis.care,
    Purpose.service: LegalBasis.request,
}
# What a person can grant or withdraw (service answers are not a choice).
CHOOSABLE = tuple(p for p in Purpose if p != Purpose.service)


class MessageChannel(StrEnum):
    sms = "sms"
    email = "email"
    voice = "voice"


class ConsentAction(StrEnum):
    granted = "granted"
    withdrawn = "withdrawn"


class SuppressionReason(StrEnum):
    reply_stop = "reply_stop"  # the person answered BAJA / STOP
    provider_opt_out = "provider_opt_out"  # the provider refuses the number (Twilio 21610)
    undeliverable = "undeliverable"  # the number (or mailbox) cannot receive messages
    bounced = "bounced"  # e-mail: a hard bounce, or soft bounces past the limit
    complaint = "complaint"  # e-mail: the recipient marked a message as spam
    keypad = "keypad"  # the person pressed 9 during a call: no more calls


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    phone: str | None = Field(default=None, max_length=20, index=True)  # E.164; None: e-mail only
    email: str | None = Field(default=None, max_length=254)
    language: Language = Field(default=Language.es, sa_type=enum_type(Language, 5))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    birth_date: date | None = None  # for campaigns by age range
    user_id: int | None = Field(default=None, foreign_key="user.id")
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    # The person paused the newsletter from its preference page: none is sent before this time.
    newsletter_paused_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class ConsentRecord(SQLModel, table=True):
    """One grant or withdrawal, never changed afterwards: the history is the evidence."""

    __table_args__ = (
        Index("ix_consent_contact_purpose", "contact_id", "purpose", "channel", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    purpose: Purpose = Field(sa_type=enum_type(Purpose))
    channel: MessageChannel = Field(default=MessageChannel.sms, sa_type=enum_type(MessageChannel))
    action: ConsentAction = Field(sa_type=enum_type(ConsentAction))
    address: str = Field(max_length=254)  # the number (or e-mail) the choice was made for
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    form: str | None = Field(default=None, max_length=80)
    form_version: str | None = Field(default=None, max_length=20)
    text_shown: str | None = Field(default=None, sa_column=Column(Text))
    text_sha256: str | None = Field(default=None, max_length=64)
    staff_id: int | None = Field(default=None, foreign_key="user.id")
    ip: str | None = Field(default=None, max_length=45)
    keyword: str | None = Field(default=None, max_length=20)  # the SMS reply that made the choice
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class Suppression(SQLModel, table=True):
    """An address nothing may go to on its channel (a number for SMS and calls, an e-mail address
    for e-mail), from `created_at` until lifted (an ALTA / START reply)."""

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=254, index=True)
    channel: MessageChannel = Field(default=MessageChannel.sms, sa_type=enum_type(MessageChannel))
    reason: SuppressionReason = Field(sa_type=enum_type(SuppressionReason))
    code: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    lifted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
