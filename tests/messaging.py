"""Factories for patient messaging tests: contacts, booked appointments, and the engine's send step."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app import settings
from app.appointments import service as appointments
from app.appointments.schemas import AppointmentIn
from app.database import get_engine, session_scope
from app.sms import service as sms
from app.sms.models import OutboundSms
from app.sms.phone import DatabasePhone
from connectors.phone import PhoneConnector

MADRID = ZoneInfo("Europe/Madrid")
TWILIO_TOKEN = "twilio-auth-token-for-tests"
KANNEL_SECRET = "kannel-shared-secret-for-tests"
PUBLIC_URL = "https://clinic.example"


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=MADRID)


@pytest.fixture
def messaging(db_url, monkeypatch):
    """Provider secrets and the public URL the webhooks are verified against."""
    monkeypatch.setenv("CAREPOST_TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    monkeypatch.setenv("CAREPOST_KANNEL_SECRET", KANNEL_SECRET)
    monkeypatch.setenv("CAREPOST_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("CAREPOST_TIMEZONE", "Europe/Madrid")
    settings.get_settings.cache_clear()
    yield
    settings.get_settings.cache_clear()


def book(
    start: str,
    *,
    now: datetime,
    external_id: str = "A-1",
    name: str = "Lucía Gómez",
    phone: str = "600 111 222",
    language: str = "es",
    status: str = "booked",
) -> int:
    """Book (or update) an appointment at a local time; returns its id."""
    with session_scope() as db:
        data = AppointmentIn(
            external_id=external_id,
            source="test",
            starts_at=local(start),
            name=name,
            phone=phone,
            language=language,
            clinician="Dra. Ruiz",
            place="Centro Norte",
            status=status,
        )
        return appointments.upsert(db=db, data=data, actor=None, now=now).id


def reminders(appointment_id: int) -> list[OutboundSms]:
    with session_scope() as db:
        query = select(OutboundSms).where(
            OutboundSms.appointment_id == appointment_id, OutboundSms.kind == "reminder"
        )
        return list(db.exec(query.order_by(OutboundSms.offset_hours.desc())))


def outbound(kind: str | None = None) -> list[OutboundSms]:
    with session_scope() as db:
        query = select(OutboundSms).order_by(OutboundSms.id)
        rows = list(db.exec(query))
    return [r for r in rows if kind is None or r.kind == kind]


def engine_send(message_id: int, now: datetime) -> bool:
    """The delivery engine's steps for one claimed message, through the local phone: the send-time
    check, the adapter, the outcome. Whether it was sent."""
    with session_scope() as db:
        message = db.get(OutboundSms, message_id)
        decision = sms.still_wanted(db, message, now)
        if not decision:
            sms.skip(db, message, decision, now)
            return False
        outgoing = sms.outgoing(message)
    sent = PhoneConnector(DatabasePhone(get_engine())).send(outgoing)
    with session_scope() as db:
        sms.record_sent(db, db.get(OutboundSms, message_id), sent, "phone", now)
    return True


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
