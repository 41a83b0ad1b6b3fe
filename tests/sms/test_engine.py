"""SMS on the one delivery engine: sent once through the configured provider, checked at send time
(BAJA or a cancelled appointment after the claim wins), an unknown outcome looked up before any resend."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from app import settings
from app.clock import utcnow
from app.database import get_engine, session_scope
from app.delivery import engine
from app.sms import outbound, replies
from app.sms.models import OutboundSms, PhoneMessage, SmsStatus
from app.sms.phone import DatabasePhone
from connectors.base import ChannelError, ErrorKind
from connectors.kannel import KannelConnector
from connectors.phone import PhoneConnector
from connectors.twilio_sms import TwilioSmsConnector
from scheduler.dispatcher import tick
from tests.messaging import MADRID, book, reminders
from tests.sms.test_workers_postgresql import seed_due_sms

PHONE = "+34600111222"


def book_soon(**kwargs) -> int:
    """An appointment five days from now (local time), its reminders planned."""
    start = (utcnow() + timedelta(days=5)).astimezone(MADRID).replace(hour=10, minute=30)
    return book(start.strftime("%Y-%m-%d %H:%M"), now=utcnow(), **kwargs)


def make_due(message_id: int) -> None:
    with session_scope() as db:
        db.execute(
            update(OutboundSms)
            .where(OutboundSms.id == message_id)
            .values(due_at=utcnow() - timedelta(seconds=1))
        )


def phone_texts(number: str = PHONE) -> list[str]:
    with session_scope() as db:
        query = select(PhoneMessage.text).where(
            PhoneMessage.number == number,
            PhoneMessage.inbound == False,  # noqa: E712
        )
        return list(db.exec(query.order_by(PhoneMessage.id)))


def row(message_id: int) -> OutboundSms:
    with session_scope() as db:
        return db.get(OutboundSms, message_id)


def local_phone() -> outbound.SmsMessages:
    return outbound.SmsMessages(PhoneConnector(DatabasePhone(get_engine())))


def claimed(kind: outbound.SmsMessages) -> list[outbound.SmsJob]:
    claim = "test-worker:claim"
    ids = kind.claim(worker=claim, now=utcnow(), limit=50)
    return kind.load(ids=ids, claim=claim)


def test_a_due_reminder_reaches_the_local_phone_once(messaging):
    first = reminders(book_soon())[0]
    make_due(first.id)
    result = tick()
    assert result.by_kind == {"sms": 1} and result.published == 1
    assert phone_texts() == [first.body]
    sent = row(first.id)
    assert sent.status == SmsStatus.delivered and sent.provider == "phone"
    assert sent.claimed_by is None and sent.provider_sid.startswith("phone-")
    assert tick().claimed == 0
    assert phone_texts() == [first.body]


def test_baja_after_the_claim_stops_the_reminder_at_send_time(messaging):
    first = reminders(book_soon())[0]
    make_due(first.id)
    kind = local_phone()
    [job] = claimed(kind)
    with session_scope() as db:
        replies.handle_inbound(
            db, provider="phone", provider_sid="in-1", from_phone=PHONE, text="BAJA", now=utcnow()
        )
    assert engine.send_one(kind, job) == "skipped"
    assert first.body not in phone_texts()
    skipped = row(first.id)
    assert skipped.status == SmsStatus.skipped and skipped.claimed_by is None
    tick()  # the opt-out confirmation goes out; the reminder never does
    assert first.body not in phone_texts() and len(phone_texts()) == 1


def test_a_reminder_of_an_appointment_cancelled_after_the_claim_never_goes_out(messaging):
    appointment_id = book_soon()
    first = reminders(appointment_id)[0]
    make_due(first.id)
    kind = local_phone()
    [job] = claimed(kind)
    book_soon(status="cancelled")  # the same appointment (external id), now cancelled
    assert engine.send_one(kind, job) == "skipped"
    tick()
    assert phone_texts() == []
    assert row(first.id).status == SmsStatus.skipped


def test_a_reminder_of_an_appointment_cancelled_before_it_is_due_never_goes_out(messaging):
    appointment_id = book_soon()
    book_soon(status="cancelled")
    for message in reminders(appointment_id):
        make_due(message.id)
    tick()
    assert phone_texts() == []


class SentThenLost:
    """The local phone receives the SMS, but the answer is lost on the way back (unknown outcome)."""

    kind = "phone"

    def __init__(self):
        self.phone = PhoneConnector(DatabasePhone(get_engine()))
        self.sends = 0

    def send(self, message):
        self.sends += 1
        self.phone.send(message)
        raise ChannelError(ErrorKind.unknown, "the connection dropped after sending")

    def find_sent(self, message, since):
        return self.phone.find_sent(message, since)


def retry_now(message_id: int) -> None:
    with session_scope() as db:
        db.execute(
            update(OutboundSms)
            .where(OutboundSms.id == message_id)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def test_an_unknown_outcome_is_found_on_the_provider_and_not_sent_again(messaging):
    first = reminders(book_soon())[0]
    make_due(first.id)
    adapter = SentThenLost()
    kind = outbound.SmsMessages(adapter)
    engine.tick(worker="w", only=[kind])
    waiting = row(first.id)
    assert waiting.status == SmsStatus.pending and waiting.needs_reconcile
    retry_now(first.id)
    engine.tick(worker="w", only=[kind])
    assert adapter.sends == 1 and phone_texts() == [first.body]
    settled = row(first.id)
    assert settled.status == SmsStatus.delivered and not settled.needs_reconcile


class NeverAnswers:
    """A provider that never says whether the SMS went out, and has no record of it either."""

    kind = "phone"

    def send(self, message):
        raise ChannelError(ErrorKind.unknown, "no answer")

    def find_sent(self, message, since):
        return None


def test_an_outcome_that_cannot_be_settled_becomes_uncertain(messaging, monkeypatch):
    monkeypatch.setenv("CAREPOST_DISPATCH_MAX_ATTEMPTS", "2")
    settings.get_settings.cache_clear()
    first = reminders(book_soon())[0]
    make_due(first.id)
    kind = outbound.SmsMessages(NeverAnswers())
    engine.tick(worker="w", only=[kind])
    retry_now(first.id)
    engine.tick(worker="w", only=[kind])
    assert row(first.id).status == SmsStatus.uncertain
    retry_now(first.id)
    assert engine.tick(worker="w", only=[kind]).claimed == 0


def test_an_expired_claim_is_looked_up_before_any_resend(messaging):
    first = reminders(book_soon())[0]
    make_due(first.id)
    kind = local_phone()
    [job] = claimed(kind)
    kind.send(job)  # it went out, and the worker died before recording it
    with session_scope() as db:
        db.execute(
            update(OutboundSms)
            .where(OutboundSms.id == first.id)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    result = tick()
    assert result.recovered == 1
    assert phone_texts() == [first.body]
    assert row(first.id).status == SmsStatus.delivered


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, PhoneConnector),
        (
            {
                "CAREPOST_SMS_PROVIDER": "twilio",
                "CAREPOST_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
                "CAREPOST_TWILIO_FROM": "+34910000000",
            },
            TwilioSmsConnector,
        ),
        (
            {
                "CAREPOST_SMS_PROVIDER": "kannel",
                "CAREPOST_KANNEL_SENDSMS_URL": "http://127.0.0.1:13013/cgi-bin/sendsms",
                "CAREPOST_KANNEL_USERNAME": "carepost",
                "CAREPOST_KANNEL_PASSWORD": "secret",
            },
            KannelConnector,
        ),
        ({"CAREPOST_SMS_PROVIDER": "twilio"}, type(None)),
        ({"CAREPOST_SMS_PROVIDER": "kannel"}, type(None)),
    ],
)
def test_the_provider_is_chosen_by_settings(messaging, monkeypatch, environment, expected):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings.get_settings.cache_clear()
    assert type(outbound.connector(settings.get_settings())) is expected


def test_an_sms_provider_left_unconfigured_sends_nothing_and_posts_still_go(messaging, monkeypatch):
    monkeypatch.setenv("CAREPOST_SMS_PROVIDER", "twilio")
    settings.get_settings.cache_clear()
    first = reminders(book_soon())[0]
    make_due(first.id)
    assert [kind.name for kind in engine.kinds()] == ["post", "calls"]
    tick()
    assert row(first.id).status == SmsStatus.pending


def test_the_rate_limiter_spaces_sends_evenly():
    now, slept = [100.0], []
    limiter = engine.RateLimiter(4, clock=lambda: now[0], sleep=slept.append)
    for _ in range(4):
        limiter.wait()
    assert slept == [0.25, 0.5, 0.75]
    now[0] = 200.0  # long after: the next send goes at once
    assert limiter.wait() == 0


class AllAtOnce:
    """A provider that answers only once `count` requests are waiting on it together."""

    kind = "phone"

    def __init__(self, count: int):
        self.barrier = threading.Barrier(count, timeout=60)
        self.phone = PhoneConnector(DatabasePhone(get_engine()))

    def send(self, message):
        self.barrier.wait()
        return self.phone.send(message)

    def find_sent(self, message, since):
        return None


def test_a_worker_keeps_many_sms_in_flight_at_once(messaging):
    seed_due_sms(8)
    kind = outbound.SmsMessages(AllAtOnce(8), concurrency=8)
    result = engine.tick(worker="w", only=[kind])
    assert result.published == 8 and result.failed == 0
    with session_scope() as db:
        assert db.exec(select(func.count()).select_from(PhoneMessage)).one() == 8
