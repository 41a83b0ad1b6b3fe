"""Contacts in and out: what staff send, what each role may read."""

from datetime import date, datetime

import phonenumbers
from pydantic import BaseModel, Field, field_validator

from app.contacts.models import ConsentAction, Language, MessageChannel, Purpose
from app.settings import get_settings

MOBILE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def e164(value: str, region: str | None = None) -> str:
    """A mobile number in E.164 ('600 111 222' → '+34600111222' for a Spanish practice)."""
    try:
        number = phonenumbers.parse(value.strip(), region or get_settings().country)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    if phonenumbers.number_type(number) not in MOBILE:
        raise ValueError("not a mobile number: SMS need a mobile phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_tags(values: list[str]) -> list[str]:
    return sorted({t.strip().lower() for t in values if t and t.strip()})


class ContactCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    phone: str = Field(max_length=40)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    language: Language = Language.es
    tags: list[str] = Field(default_factory=list, max_length=30)
    birth_date: date | None = None  # campaigns may choose by age range
    user_id: int | None = None  # the person's carepost account, when they have one

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a name is required")
        return value.strip()

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return e164(value)

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: object) -> object:
        if not isinstance(value, str):
            return value  # None stays unknown; anything else is refused by the type check
        return value.strip().lower() or None

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return clean_tags(value)

    @field_validator("birth_date", mode="before")
    @classmethod
    def _birth_date(cls, value: object) -> object:
        """ISO (1970-03-31) or the Spanish day/month/year (31/03/1970); empty means unknown."""
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            day, _, rest = text.partition("/")
            month, _, year = rest.partition("/")
            if year:
                return f"{year.zfill(4)}-{month.zfill(2)}-{day.zfill(2)}"
            return text
        if value is not None and not isinstance(value, date):
            raise ValueError("a date of birth like 1970-03-31")
        return value

    @field_validator("birth_date")
    @classmethod
    def _born_in_the_past(cls, value: date | None) -> date | None:
        if value is not None and not date(1900, 1, 1) <= value <= date.today():
            raise ValueError("a date of birth between 1900 and today")
        return value


class ContactPublic(BaseModel):
    """A contact for staff who care for the patient (admins, clinicians)."""

    id: int
    name: str
    phone: str | None  # None: reached by e-mail only (a newsletter sign-up)
    email: str | None
    language: Language
    tags: list[str]
    birth_date: date | None
    user_id: int | None
    created_at: datetime


class ContactOptIns(BaseModel):
    """A contact as marketing sees it: the name and what the person opted in to, nothing else."""

    id: int
    name: str
    opt_ins: list[Purpose]


class ConsentCreate(BaseModel):
    """A choice staff record for a contact (a signed form, a call, the desk)."""

    purpose: Purpose
    action: ConsentAction
    channel: MessageChannel = MessageChannel.sms
    form: str = Field(min_length=1, max_length=80)
    form_version: str = Field(min_length=1, max_length=20)
    text_shown: str = Field(min_length=1, max_length=2000)

    @field_validator("purpose")
    @classmethod
    def _choosable(cls, value: Purpose) -> Purpose:
        if value == Purpose.service:
            raise ValueError("answers to the person's own messages are not a choice")
        return value


class ConsentPublic(BaseModel):
    id: int
    purpose: Purpose
    channel: MessageChannel
    action: ConsentAction
    address: str
    at: datetime
    form: str | None
    form_version: str | None
    text_shown: str | None
    text_sha256: str | None
    staff_id: int | None
    ip: str | None
    keyword: str | None
