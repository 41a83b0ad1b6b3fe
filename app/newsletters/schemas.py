"""What staff and the public send to the newsletter pages."""

from pydantic import BaseModel, Field, field_validator

from app.contacts.models import Language
from app.contacts.schemas import clean_tags
from app.newsletters.models import SmtpSecurity

EMAIL_PATTERN = r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$"
HOST_PATTERN = r"^[A-Za-z0-9.-]+$"


class EmailSettingsIn(BaseModel):
    host: str | None = Field(default=None, max_length=255, pattern=HOST_PATTERN)
    port: int = Field(default=587, ge=1, le=65535)
    security: SmtpSecurity = SmtpSecurity.starttls
    username: str | None = Field(default=None, max_length=255)
    password: str | None = Field(default=None, max_length=500)
    from_name: str = Field(min_length=1, max_length=120)
    from_address: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    reply_to: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    bounce_domain: str = Field(min_length=3, max_length=253, pattern=HOST_PATTERN)
    practice_identity: str = Field(min_length=10, max_length=500)
    dkim_selector: str | None = Field(default=None, max_length=63, pattern=r"^[A-Za-z0-9-]+$")
    dkim_private_key: str | None = Field(default=None, max_length=10000)
    rate_per_second: float = Field(default=10.0, gt=0, le=10_000)
    rate_per_hour: int = Field(default=0, ge=0, le=10_000_000)
    soft_bounce_limit: int = Field(default=3, ge=1, le=20)
    track_opens: bool = False
    imap_host: str | None = Field(default=None, max_length=255, pattern=HOST_PATTERN)
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_username: str | None = Field(default=None, max_length=255)
    imap_password: str | None = Field(default=None, max_length=500)
    imap_folder: str = Field(default="INBOX", min_length=1, max_length=120, pattern=r"^[^\r\n\"]+$")

    @field_validator(
        "host",
        "username",
        "password",
        "reply_to",
        "dkim_selector",
        "dkim_private_key",
        "imap_host",
        "imap_username",
        "imap_password",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value):
        return value.strip() or None if isinstance(value, str) else value


class NewsletterIn(BaseModel):
    subject: str = Field(min_length=1, max_length=200)
    preheader: str = Field(default="", max_length=200)
    body: str = Field(min_length=1, max_length=50_000)
    language: Language = Language.es
    tags: list[str] = Field(default_factory=list, max_length=30)
    health_claim: bool = False

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value):
        if isinstance(value, str):
            value = value.replace(";", ",").split(",")
        return clean_tags(value)


class SignupIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    language: Language = Language.es

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()
