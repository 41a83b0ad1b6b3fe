"""Many SMS in flight per worker: sent by coroutine on one event loop, re-checked in one transaction
per chunk right before they go, recorded in batches; an unknown outcome is still looked up before
any resend."""

import asyncio
import threading
from itertools import count

from sqlalchemy import event, update
from sqlmodel import select

from app.clock import utcnow
from app.database import get_engine, session_scope
from app.delivery import engine
from app.sms import outbound, replies
from app.sms.models import OutboundSms, SmsStatus
from app.sms.phone import DatabasePhone
from connectors.base import ChannelError, ErrorKind
from connectors.phone import PhoneConnector
from connectors.sms import SentSms
from tests.sms.test_engine import (
    PHONE,
    book_soon,
    claimed,
    make_due,
    phone_texts,
    reminders,
    retry_now,
    row,
)
from tests.sms.test_workers_postgresql import seed_due_sms


class AsyncAllAtOnce:
    """A provider reached by coroutine that answers only once `waiting_for` requests wait on it."""

    kind = "twilio"

    def __init__(self, waiting_for: int):
        self.waiting_for, self.waiting = waiting_for, 0
        self.threads: set[int] = set()
        self.ids = count(1)
        self.all_here: asyncio.Event | None = None
        self.closed = False

    async def send_async(self, message):
        self.threads.add(threading.get_ident())
        self.all_here = self.all_here or asyncio.Event()
        self.waiting += 1
        if self.waiting == self.waiting_for:
            self.all_here.set()
        await asyncio.wait_for(self.all_here.wait(), timeout=60)
        return SentSms(f"SM{next(self.ids)}", "queued")

    async def close_async(self):
        self.closed = True

    def send(self, message):
        raise AssertionError("a blocking send: a thread per request")

    def find_sent(self, message, since):
        return None


def test_a_worker_keeps_many_sms_in_flight_on_one_event_loop(messaging):
    seed_due_sms(30)
    adapter = AsyncAllAtOnce(30)
    result = engine.tick(worker="w", only=[outbound.SmsMessages(adapter, concurrency=30)])
    assert result.published == 30 and result.failed == 0
    assert len(adapter.threads) == 1 and adapter.closed
    with session_scope() as db:
        statuses = db.exec(select(OutboundSms.status, OutboundSms.claimed_by)).all()
    assert statuses == [(SmsStatus.sent, None)] * 30


def test_a_batch_is_checked_and_recorded_in_a_few_transactions(messaging):
    seed_due_sms(40)
    commits = []

    def counted(_connection):
        commits.append(1)

    event.listen(get_engine(), "commit", counted)
    try:
        kind = outbound.SmsMessages(AsyncAllAtOnce(40), concurrency=40)
        result = engine.tick(worker="w", only=[kind])
    finally:
        event.remove(get_engine(), "commit", counted)
    assert result.published == 40
    # Recovery, claims, the load, one check and a few record batches; not two per message.
    assert len(commits) < 12, len(commits)


def test_baja_or_a_cancellation_after_the_claim_is_seen_by_the_batched_check(messaging):
    kept = reminders(book_soon())[0]
    opted_out = reminders(book_soon(external_id="A-2", phone="600 333 444"))[0]
    cancelled_id = book_soon(external_id="A-3", phone="600 555 666")
    cancelled = reminders(cancelled_id)[0]
    for message in (kept, opted_out, cancelled):
        make_due(message.id)
    kind = outbound.SmsMessages(AsyncAllAtOnce(1))
    jobs = claimed(kind)
    with session_scope() as db:
        replies.handle_inbound(
            db,
            provider="phone",
            provider_sid="in-1",
            from_phone="+34600333444",
            text="BAJA",
            now=utcnow(),
        )
    book_soon(external_id="A-3", phone="600 555 666", status="cancelled")
    wanted = kind.still_wanted_many(jobs)
    assert [job.message_id for job in wanted] == [kept.id]
    for message in (opted_out, cancelled):
        skipped = row(message.id)
        assert skipped.status == SmsStatus.skipped and skipped.claimed_by is None


def test_a_claim_lost_before_the_batched_check_is_not_sent(messaging):
    first = reminders(book_soon())[0]
    make_due(first.id)
    kind = outbound.SmsMessages(AsyncAllAtOnce(1))
    [job] = claimed(kind)
    with session_scope() as db:  # its lease ran out and another worker holds it now
        db.execute(update(OutboundSms).values(claimed_by="other-worker:claim"))
    assert kind.still_wanted_many([job]) == []
    assert row(first.id).status == SmsStatus.sending


class AsyncSentThenLost:
    """The SMS reaches the local phone, but the coroutine's answer is lost (unknown outcome)."""

    kind = "phone"

    def __init__(self):
        self.phone = PhoneConnector(DatabasePhone(get_engine()))
        self.sends = 0

    async def send_async(self, message):
        self.sends += 1
        self.phone.send(message)
        raise ChannelError(ErrorKind.unknown, "the connection dropped after sending")

    def send(self, message):
        self.sends += 1
        return self.phone.send(message)

    def find_sent(self, message, since):
        return self.phone.find_sent(message, since)


def test_an_async_send_whose_answer_was_lost_is_looked_up_and_not_sent_again(messaging):
    first = reminders(book_soon())[0]
    make_due(first.id)
    adapter = AsyncSentThenLost()
    kind = outbound.SmsMessages(adapter)
    engine.tick(worker="w", only=[kind])
    waiting = row(first.id)
    assert waiting.status == SmsStatus.pending and waiting.needs_reconcile
    retry_now(first.id)
    engine.tick(worker="w", only=[kind])
    assert adapter.sends == 1 and phone_texts(PHONE) == [first.body]
    assert row(first.id).status == SmsStatus.delivered


def test_the_rate_limiter_hands_out_slots_without_sleeping():
    now = [100.0]
    limiter = engine.RateLimiter(4, clock=lambda: now[0], sleep=None)
    assert [limiter.reserve() for _ in range(3)] == [0, 0.25, 0.5]
    assert limiter.backlog() == 0.75
    now[0] = 200.0
    assert limiter.backlog() == 0 and limiter.reserve() == 0
