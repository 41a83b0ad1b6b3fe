"""Several worker processes on PostgreSQL send SMS through the one engine: each exactly once, even
when a worker is killed mid-send (its messages are found on the local phone, not sent again)."""

import signal
from datetime import timedelta

from sqlalchemy import func, insert, text
from sqlmodel import select

from app.clock import utcnow
from app.database import session_scope
from app.sms.models import OutboundSms, PhoneMessage, SmsStatus
from scheduler.dispatcher import tick
from tests.scheduler.test_workers_postgresql import errors_in, postgresql_only, spawn, wait_for

__all__ = ["postgresql_only"]  # the fixture, shared with the post workers' tests

SENT = (SmsStatus.sent, SmsStatus.delivered)


def seed_due_sms(count: int) -> None:
    """`count` answers due now, each to its own number, inserted in bulk."""
    now = utcnow() - timedelta(seconds=1)
    with session_scope() as db:
        db.execute(
            insert(OutboundSms),
            [
                {
                    "to_phone": f"+3460{n:07d}",
                    "kind": "confirmation",
                    "purpose": "service",
                    "language": "es",
                    "body": f"Su cita queda confirmada ({n})",
                    "due_at": now,
                    "status": "pending",
                    "attempts": 0,
                    "needs_reconcile": False,
                    "created_at": now,
                }
                for n in range(count)
            ],
        )


def counts() -> tuple[int, int, int]:
    """(messages recorded as sent, SMS the local phone received, distinct texts it received)."""
    with session_scope() as db:
        sent = db.exec(
            select(func.count()).select_from(OutboundSms).where(OutboundSms.status.in_(SENT))
        ).one()
        received = db.exec(select(func.count()).select_from(PhoneMessage)).one()
        distinct = db.exec(select(func.count(func.distinct(PhoneMessage.text)))).one()
    return sent, received, distinct


def test_four_worker_processes_send_2000_sms_exactly_once(postgresql_only, messaging, tmp_path):
    seed_due_sms(2000)
    log = tmp_path / "workers.log"
    workers = [spawn(["-m", "app.cli", "worker"], postgresql_only, log) for _ in range(4)]
    try:
        finished = wait_for(lambda: counts()[0] == 2000, timeout=240)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    assert finished, (counts(), errors_in(log))
    assert counts() == (2000, 2000, 2000)


def test_a_worker_killed_mid_send_leaves_no_duplicate_sms_and_none_lost(
    postgresql_only, messaging, tmp_path
):
    seed_due_sms(20)
    log = tmp_path / "doomed.log"
    doomed = spawn(["tests/sms/crash_sms_worker.py"], postgresql_only, log)
    try:
        # It sends a batch and hangs before recording any of it; then it is killed outright.
        assert wait_for(lambda: counts()[1] >= 8, timeout=180), errors_in(log)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    _sent, received_before, _ = counts()
    with session_scope() as db:
        stuck = db.exec(
            select(func.count())
            .select_from(OutboundSms)
            .where(OutboundSms.status == SmsStatus.sending)
        ).one()
        assert stuck >= received_before
        # Time passes: the dead worker's leases run out.
        db.execute(
            text(
                "UPDATE outboundsms SET lease_until = now() - interval '1 second' "
                "WHERE status = 'sending'"
            )
        )
    assert tick().recovered == stuck
    while tick().claimed:
        pass
    assert counts() == (20, 20, 20)
