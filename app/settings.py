"""All settings in one place, read from the environment and an optional .env file."""

import ipaddress
import os
import secrets
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {
    "changeme",
    "change-me",
    "secret",
    "dev",
    "development",
    "carepost",
    "please-change",
}
SECRET_FILE_NAME = ".carepost-secret"


class SettingsError(Exception):
    """A setting has a value carepost cannot use; the message names it."""


class Settings(BaseSettings):
    """carepost's settings; every name is read as CAREPOST_<NAME> except DATABASE_URL."""

    model_config = SettingsConfigDict(
        env_prefix="CAREPOST_", env_file=".env", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("DATABASE_URL", "CAREPOST_DATABASE_URL"),
        description="SQLAlchemy URL; empty means a SQLite file carepost.db in data_dir",
    )
    secret_key: SecretStr | None = None
    environment: Literal["development", "production"] = "development"
    data_dir: Path = Field(default_factory=Path.cwd)
    timezone: str = "Europe/Madrid"
    locale: Literal["es", "en"] = "es"
    practice_name: str = "Carepost"
    cookie_secure: bool = False
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    # Roles (comma-separated) that must sign in with an authenticator code; others may choose to.
    two_factor_roles: str = "admin,clinician"
    # Proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed; none by default.
    trusted_proxies: str = ""
    run_scheduler: bool = True
    graph_api_version: str = Field(default="v25.0", pattern=r"^v\d+\.\d+$")
    dispatch_interval_seconds: float = Field(default=1.0, gt=0)
    dispatch_batch_size: int = Field(default=50, ge=1, le=1000)
    dispatch_threads: int = Field(default=8, ge=1, le=64)
    # Post deliveries in flight per worker process (each a thread waiting on the channel's answer).
    dispatch_concurrency: int = Field(default=64, ge=1, le=512)
    dispatch_lease_seconds: int = Field(default=120, ge=10)
    dispatch_max_attempts: int = Field(default=8, ge=1)
    metrics_refresh_minutes: int = Field(default=60, ge=1)
    # Comments on published posts: how often they are read, and for how many days after publishing.
    comments_refresh_minutes: int = Field(default=5, ge=1)
    comments_watch_days: int = Field(default=14, ge=1)
    public_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://[^/]+$")
    # Facebook Page webhooks: the Meta app's secret (signs each POST) and the verify token typed in
    # the app's webhook settings. Unset, the webhook refuses everything and the poll alone reads.
    facebook_app_secret: SecretStr | None = None
    facebook_verify_token: SecretStr | None = None
    x_client_id: str | None = None
    x_client_secret: SecretStr | None = None
    # Moderation: per-label flag thresholds (JSON, e.g. {"spam": 0.7}); unnamed labels use 0.5.
    moderation_thresholds: dict[str, float] = Field(default_factory=dict)
    emergency_number: str = Field(default="112", max_length=20)
    crisis_line: str = Field(default="024", max_length=40)
    review_stale_hours: int = Field(default=12, ge=1)
    # How long a reviewer's claim on a queue item holds; how long an emergency may wait unanswered
    # before it is escalated and the administrators are told.
    review_claim_minutes: int = Field(default=15, ge=1)
    review_emergency_minutes: int = Field(default=15, ge=1)
    new_member_days: int = Field(default=3, ge=0)
    new_member_posts_per_hour: int = Field(default=5, ge=1)
    member_posts_per_hour: int = Field(default=60, ge=1)
    # Strikes: how long an author may appeal a removal, and how many active strikes restrict posting.
    appeal_days: int = Field(default=14, ge=1)
    strikes_to_restrict: int = Field(default=3, ge=1)
    # Patient messaging: the country numbers are read in (ISO 3166, "ES"), the region of its public
    # holidays ("MD" for Madrid), the local hours SMS may go out, and the SMS providers.
    country: str = Field(default="ES", pattern=r"^[A-Z]{2}$")
    holiday_region: str | None = Field(default=None, max_length=10)
    sms_hours_start: time = time(9, 0)
    sms_hours_end: time = time(21, 0)
    sms_send_on_sundays: bool = False
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_from: str | None = None
    kannel_secret: SecretStr | None = None
    # Request bodies: larger ones get a 413 before they are read; uploads (multipart) may be larger.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=41 * 1024 * 1024, ge=1024)
    # Which provider the delivery engine sends SMS through: the local phone, Twilio or Kannel.
    sms_provider: Literal["phone", "twilio", "kannel"] = "phone"
    # SMS requests in flight per worker process, and the provider's rate (messages per second per
    # worker process; 0 sends as fast as the provider answers).
    sms_concurrency: int = Field(default=64, ge=1, le=512)
    sms_rate_per_second: float = Field(default=0, ge=0)
    kannel_sendsms_url: str | None = None
    # Calls: the local browser phone or Twilio (with twilio_account_sid/auth_token and this caller
    # number); how often a busy line, no answer or a machine on a survey is dialled in all, and how
    # long to wait between dials (within the sending hours).
    voice_provider: Literal["phone", "twilio"] = "phone"
    twilio_voice_from: str | None = None
    voice_max_dials: int = Field(default=3, ge=1, le=10)
    voice_retry_minutes: int = Field(default=120, ge=1)
    kannel_username: str | None = None
    kannel_password: SecretStr | None = None
    kannel_sender: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Europe/Madrid)"
            )
        return value

    @field_validator("two_factor_roles")
    @classmethod
    def _known_roles(cls, value: str) -> str:
        known = ("admin", "marketing", "clinician", "patient")
        for part in filter(None, (p.strip() for p in value.split(","))):
            if part not in known:
                raise ValueError(f"unknown role {part!r} (known: {', '.join(known)})")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or network (e.g. 10.0.0.0/8)")
        return value

    @field_validator("moderation_thresholds")
    @classmethod
    def _thresholds_are_probabilities(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            return value  # without thresholds there is no need to load the classifier's module
        from moderation.model import LABELS

        for label, threshold in value.items():
            if label not in LABELS:
                raise ValueError(f"unknown label {label!r} (known: {', '.join(LABELS)})")
            if not 0 < threshold <= 1:
                raise ValueError(f"the threshold of {label} must be above 0 and at most 1")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if value.startswith(("postgres://", "postgresql://")):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if value and not value.startswith(("sqlite:", "postgresql+psycopg:")):
            raise ValueError("only sqlite:/// and postgresql:// URLs are supported")
        return value

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, with the default SQLite file resolved inside data_dir."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'carepost.db').resolve()}"

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [
            ipaddress.ip_network(part.strip(), strict=False)
            for part in self.trusted_proxies.split(",")
            if part.strip()
        ]

    @property
    def two_factor_role_names(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.two_factor_roles.split(",") if p.strip())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def secret(self) -> str:
        """The signing key: from the environment, else generated once and kept in data_dir."""
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            weak = value.lower() in PLACEHOLDER_SECRETS or len(value) < 32
            if weak and self.environment == "production":
                raise SettingsError(
                    "CAREPOST_SECRET_KEY is a placeholder or shorter than 32 characters; "
                    "set a random value (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
            return value
        path = self.data_dir / SECRET_FILE_NAME
        if path.exists():
            return path.read_text().strip()
        value = secrets.token_urlsafe(48)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        return value


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each bad setting by its environment variable."""
    parts = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "?"
        name = "DATABASE_URL" if field == "database_url" else f"CAREPOST_{field.upper()}"
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{name}: {message}")
    return "invalid setting " + "; ".join(parts)


def load_settings() -> Settings:
    """Read settings, turning validation errors into one SettingsError line."""
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache)."""
    return load_settings()
