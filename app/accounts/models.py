"""Users, roles, sessions, API tokens and login attempts; input, storage and output kept apart."""

import re
from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.database import enum_type


class Role(StrEnum):
    admin = "admin"
    marketing = "marketing"
    clinician = "clinician"
    patient = "patient"


STAFF_ROLES = (Role.admin, Role.marketing, Role.clinician)
# Roles whose work needs scripts: patients use the pages only, so they hold no API tokens.
TOKEN_ROLES = STAFF_ROLES
USERNAME_PATTERN = r"[a-z0-9][a-z0-9_.-]{2,39}"
USERNAME_RULE = (
    "a username has 3 to 40 characters: lower-case letters a-z, digits and . _ -, "
    "starting with a letter or digit"
)


def check_username(value: object) -> object:
    """Lower-cased and stripped; refused unless it matches USERNAME_PATTERN exactly (ASCII only)."""
    if not isinstance(value, str):
        return value
    value = value.strip().lower()
    if not re.fullmatch(USERNAME_PATTERN, value, flags=re.ASCII):
        raise ValueError(USERNAME_RULE)
    return value


class UserBase(SQLModel):
    username: str = Field(max_length=40)
    display_name: str = Field(min_length=2, max_length=60)
    email: str | None = Field(default=None, max_length=254)


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True, index=True)
    role: Role = Field(sa_type=enum_type(Role))
    password_hash: str = Field(max_length=200)
    real_name: str | None = Field(default=None, max_length=120)
    is_active: bool = True
    clinician_verified: bool = False
    licence_number: str | None = Field(default=None, max_length=40)
    specialty: str | None = Field(default=None, max_length=80)
    locale: str | None = Field(default=None, max_length=5)
    # The weekly digest of followed group threads also by e-mail (to `email`), a count and a link.
    digest_email: bool = False
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )

    @property
    def is_verified_clinician(self) -> bool:
        return self.role == Role.clinician and self.clinician_verified


class UserCreate(UserBase):
    """What an admin (or the CLI) gives to create an account."""

    password: str = Field(min_length=10, max_length=200)
    role: Role
    real_name: str | None = Field(default=None, max_length=120)
    licence_number: str | None = Field(default=None, max_length=40)
    specialty: str | None = Field(default=None, max_length=80)

    @field_validator("username", mode="before")
    @classmethod
    def _username(cls, value: object) -> object:
        return check_username(value)


class PatientRegister(UserBase):
    """What a patient gives to register: a pseudonym is the public face."""

    password: str = Field(min_length=10, max_length=200)
    real_name: str | None = Field(default=None, max_length=120)

    @field_validator("username", mode="before")
    @classmethod
    def _username(cls, value: object) -> object:
        return check_username(value)


class PatientPseudonym(SQLModel):
    """A patient as a clinician sees them outside their content: the pseudonym only."""

    id: int
    display_name: str
    role: Role


class StaffProfile(SQLModel):
    """A member of staff as colleagues see them: no username, real name, e-mail or hash."""

    id: int
    display_name: str
    role: Role
    clinician_verified: bool
    specialty: str | None = None


class UserSelf(StaffProfile):
    """What a user sees of their own account."""

    username: str
    real_name: str | None = None
    email: str | None = None
    locale: str | None = None


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=60)
    prefix: str = Field(max_length=12)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class UserSession(SQLModel, table=True):
    """A signed-in browser: the cookie carries a random id, the table only its hash."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    last_seen_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    ip: str | None = Field(default=None, max_length=45)
    user_agent: str | None = Field(default=None, max_length=120)
    # Whether the second factor was shown for this session (at log-in or by enrolling in it).
    second_factor: bool = False


class TwoFactor(SQLModel, table=True):
    """A user's authenticator (TOTP) secret, sealed; it counts once confirmed with a first code."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    secret_sealed: str = Field(max_length=300)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The time step of the last code accepted: a code is never accepted twice.
    last_step: int | None = None


class RecoveryCode(SQLModel, table=True):
    """A one-time code for signing in without the authenticator; only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class LoginAttempt(SQLModel, table=True):
    __table_args__ = (
        Index("ix_loginattempt_key_at", "key", "at"),
        Index("ix_loginattempt_key_ip_at", "key", "ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80)
    ip: str = Field(max_length=45, index=True)
    succeeded: bool = False
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
