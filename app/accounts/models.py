"""Users, roles, API tokens and login attempts; input and output schemas kept apart from storage."""

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
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{2,39}$"


class UserBase(SQLModel):
    username: str = Field(max_length=40, regex=USERNAME_PATTERN)
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
    # Bumped on logout-everywhere and password change: older session cookies stop working.
    session_version: int = 1
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
    def _lower(cls, value: str) -> str:
        return value.strip().lower() if isinstance(value, str) else value


class PatientRegister(UserBase):
    """What a patient gives to register: a pseudonym is the public face."""

    password: str = Field(min_length=10, max_length=200)
    real_name: str | None = Field(default=None, max_length=120)

    @field_validator("username", mode="before")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower() if isinstance(value, str) else value


class UserPublic(SQLModel):
    """What other users may see: never the real name, e-mail or hash."""

    id: int
    username: str
    display_name: str
    role: Role
    clinician_verified: bool
    specialty: str | None = None


class UserSelf(UserPublic):
    """What a user sees of their own account."""

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


class LoginAttempt(SQLModel, table=True):
    __table_args__ = (Index("ix_loginattempt_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80)
    ip: str = Field(max_length=45, index=True)
    succeeded: bool = False
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
