"""E-mail newsletters: the sending settings, the newsletters, one row per recipient for the delivery
engine, sign-ups waiting for confirmation, what came back (bounces, complaints, clicks), and the local
mailbox of the demo."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.contacts.models import Contact, Language  # noqa: F401 - the tables referenced here
from app.database import enum_type


class SmtpSecurity(StrEnum):
    starttls = "starttls"
    tls = "tls"  # implicit TLS (port 465)
    none = "none"  # only for a server on the same machine


class EmailSettings(SQLModel, table=True):
    """The practice's one set of e-mail settings (row id 1); secrets encrypted at rest."""

    id: int | None = Field(default=None, primary_key=True)
    host: str | None = Field(default=None, max_length=255)  # none: the local mailbox (demo)
    port: int = 587
    security: SmtpSecurity = Field(default=SmtpSecurity.starttls, sa_type=enum_type(SmtpSecurity))
    username: str | None = Field(default=None, max_length=255)
    password_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    from_name: str = Field(default="", max_length=120)
    from_address: str = Field(default="", max_length=254)
    reply_to: str | None = Field(default=None, max_length=254)
    bounce_domain: str = Field(default="", max_length=253)  # bounces+TOKEN@ this domain
    practice_identity: str = Field(default="", max_length=500)  # name, address, tax id (LSSI 10)
    dkim_selector: str | None = Field(default=None, max_length=63)
    dkim_key_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    rate_per_second: float = 10.0
    rate_per_hour: int = 0  # 0: no hourly cap
    soft_bounce_limit: int = 3
    track_opens: bool = False  # a tracking pixel in each newsletter: off unless the practice asks
    # The mailbox bounces, complaints and unsubscribe e-mails arrive in, read over IMAP with TLS.
    imap_host: str | None = Field(default=None, max_length=255)
    imap_port: int = 993
    imap_username: str | None = Field(default=None, max_length=255)
    imap_password_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    imap_folder: str = Field(default="INBOX", max_length=120)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class NewsletterStatus(StrEnum):
    draft = "draft"
    awaiting_approval = "awaiting_approval"  # health claims: a clinician approves
    approved = "approved"
    sending = "sending"  # recipients queued in the engine
    sent = "sent"


class Newsletter(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=200)
    preheader: str = Field(default="", max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))  # Markdown
    language: Language = Field(default=Language.es, sa_type=enum_type(Language, 5))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    health_claim: bool = False
    status: NewsletterStatus = Field(
        default=NewsletterStatus.draft, sa_type=enum_type(NewsletterStatus)
    )
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    queued_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class EmailKind(StrEnum):
    newsletter = "newsletter"
    confirmation = "confirmation"  # double opt-in: the one link to confirm a sign-up
    test = "test"  # a newsletter sent to a member of staff before it goes out
    digest = "digest"  # an account's weekly digest of followed threads: a count and a link only


class EmailStatus(StrEnum):
    pending = "pending"
    sending = "sending"  # claimed by the engine
    sent = "sent"  # the mail server accepted it
    failed = "failed"
    uncertain = "uncertain"  # may have been accepted: a person checks before any resend
    skipped = "skipped"  # not allowed at send time (unsubscribed, suppressed)


class OutboundEmail(SQLModel, table=True):
    """One e-mail to one address; the delivery engine claims pending rows whose due_at has come."""

    # A queue's status changes on every row several times: indexed, each change would leave a dead
    # entry that later claims and lookups wade through. So the claim reads an index of pending rows
    # only, in the order they are taken, and in-flight rows are found by id or by their lease.
    __table_args__ = (
        Index(
            "ix_outboundemail_pending",
            "due_at",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_outboundemail_lease", "lease_until"),
        UniqueConstraint("newsletter_id", "contact_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: EmailKind = Field(sa_type=enum_type(EmailKind))
    newsletter_id: int | None = Field(default=None, foreign_key="newsletter.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    signup_id: int | None = Field(default=None, foreign_key="newslettersignup.id")
    # A digest: the account it is for, and how many new replies it announces.
    user_id: int | None = Field(default=None, foreign_key="user.id")
    replies: int | None = None
    to_address: str = Field(max_length=254)
    language: Language = Field(default=Language.es, sa_type=enum_type(Language, 5))
    # HMAC of the row's identity: unsubscribe link, bounce address and click links carry it.
    token: str = Field(max_length=32, unique=True)
    status: EmailStatus = Field(default=EmailStatus.pending, sa_type=enum_type(EmailStatus))
    attempts: int = 0
    error: str | None = Field(default=None, max_length=300)
    smtp_code: int | None = None
    remote_id: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    due_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Set just before the message is handed to the server: a claim lost after this may have gone out.
    handed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    needs_reconcile: bool = False


class NewsletterSignup(SQLModel, table=True):
    """A sign-up on the public form, waiting for the person to confirm from the e-mail (double opt-in)."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    token: str = Field(max_length=32, unique=True)
    language: Language = Field(default=Language.es, sa_type=enum_type(Language, 5))
    text_shown: str = Field(sa_column=Column(Text, nullable=False))
    ip: str | None = Field(default=None, max_length=45)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class EmailEventKind(StrEnum):
    hard_bounce = "hard_bounce"
    soft_bounce = "soft_bounce"
    complaint = "complaint"
    unsubscribe = "unsubscribe"
    click = "click"
    open = "open"  # a recipient's first open, when the practice tracks opens


class EmailEvent(SQLModel, table=True):
    """Something that came back about a sent e-mail: the campaign's results are counted from these."""

    __table_args__ = (Index("ix_emailevent_newsletter", "newsletter_id", "kind", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    outbound_id: int = Field(foreign_key="outboundemail.id", index=True)
    newsletter_id: int | None = Field(default=None, foreign_key="newsletter.id")
    kind: EmailEventKind = Field(sa_type=enum_type(EmailEventKind))
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ReturnedMail(SQLModel, table=True):
    """A message read from the bounce mailbox, by its digest: read twice, it is handled once."""

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(max_length=64, unique=True)
    outcome: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class MailboxMessage(SQLModel, table=True):
    """The local mailbox (demo and tests): what carepost "sent" when no SMTP server is configured."""

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=254, index=True)
    envelope_from: str = Field(max_length=254)
    raw: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
