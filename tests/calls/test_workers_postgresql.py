"""Several worker processes on PostgreSQL place calls through the one engine: each exactly once,
even when a worker is killed mid-campaign (its calls are found on the browser phone, not redialled)."""

import signal
from datetime import timedelta

from sqlalchemy import func, insert, text
from sqlmodel import select

from app.calls.models import CallStatus, LocalCall, OutboundCall
from app.clock import utcnow
from app.contacts.models import Contact
from app.database import session_scope
from scheduler.dispatcher import tick
from tests.scheduler.test_workers_postgresql import errors_in, postgresql_only, spawn, wait_for

__all__ = ["postgresql_only"]


def seed_due_calls(count: int) -> None:
    """`count` contacts, each with an informational call due now, inserted in bulk."""
    now = utcnow() - timedelta(seconds=1)
    with session_scope() as db:
        ids = [
            row[0]
            for row in db.execute(
                insert(Contact).returning(Contact.id),
                [
                    {
                        "name": f"Paciente {n}",
                        "phone": f"+3461{n:07d}",
                        "language": "es",
                        "tags": [],
                        "created_at": now,
                    }
                    for n in range(count)
                ],
            )
        ]
        db.execute(
            insert(OutboundCall),
            [
                {
                    "contact_id": contact_id,
                    "to_phone": f"+3461{n:07d}",
                    "purpose": "information",
                    "language": "es",
                    "due_at": now,
                    "status": "pending",
                    "attempts": 0,
                    "dials": 0,
                    "opted_out": False,
                    "needs_reconcile": False,
                    "created_at": now,
                }
                for n, contact_id in enumerate(ids)
            ],
        )


def counts() -> tuple[int, int, int]:
    """(calls recorded as placed, calls that rang on the phone, distinct numbers that rang)."""
    with session_scope() as db:
        placed = db.exec(
            select(func.count())
            .select_from(OutboundCall)
            .where(OutboundCall.status == CallStatus.placed)
        ).one()
        rang = db.exec(select(func.count()).select_from(LocalCall)).one()
        numbers = db.exec(select(func.count(func.distinct(LocalCall.number)))).one()
    return placed, rang, numbers


def test_four_worker_processes_place_1000_calls_exactly_once(postgresql_only, calling, tmp_path):
    seed_due_calls(1000)
    log = tmp_path / "workers.log"
    workers = [spawn(["-m", "app.cli", "worker"], postgresql_only, log) for _ in range(4)]
    try:
        finished = wait_for(lambda: counts()[0] == 1000, timeout=240)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    assert finished, (counts(), errors_in(log))
    assert counts() == (1000, 1000, 1000)


def test_a_worker_killed_mid_campaign_dials_no_number_twice_and_loses_none(
    postgresql_only, calling, tmp_path
):
    seed_due_calls(20)
    log = tmp_path / "doomed.log"
    doomed = spawn(["tests/calls/crash_call_worker.py"], postgresql_only, log)
    try:
        # It places a batch and hangs before recording any of it; then it is killed outright.
        assert wait_for(lambda: counts()[1] >= 4, timeout=180), errors_in(log)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    with session_scope() as db:
        stuck = db.exec(
            select(func.count())
            .select_from(OutboundCall)
            .where(OutboundCall.status == CallStatus.sending)
        ).one()
        assert stuck >= counts()[1]
        # Time passes: the dead worker's leases run out.
        db.execute(
            text(
                "UPDATE outboundcall SET lease_until = now() - interval '1 second' "
                "WHERE status = 'sending'"
            )
        )
    assert tick().recovered == stuck
    while tick().claimed:
        pass
    assert counts() == (20, 20, 20)
