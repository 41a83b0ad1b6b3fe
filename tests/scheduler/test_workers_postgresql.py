"""Several worker processes on PostgreSQL: every delivery exactly once, even when a worker is killed."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, text
from sqlmodel import select

from app.channels.models import OutboxMessage
from app.clock import utcnow
from app.database import session_scope
from app.posts.models import Delivery, DeliveryStatus, Post, PostChannel, PostStatus
from scheduler.dispatcher import tick

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgresql_only(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("several workers share work only on PostgreSQL")
    return db_url


def seed_due(count: int, channel_id: int, author_id: int, text: str | None = None) -> None:
    """count scheduled posts, each with one delivery due now, inserted in bulk (all with `text` when
    given, else each with its own)."""
    now = utcnow() - timedelta(seconds=1)
    with session_scope() as db:
        rows = [
            {
                "author_id": author_id,
                "text": text or f"aviso {n}",
                "status": PostStatus.scheduled,
                "scheduled_at": now,
                "health_claim": False,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ]
        ids = [r[0] for r in db.execute(insert(Post).returning(Post.id), rows)]
        db.execute(insert(PostChannel), [{"post_id": i, "channel_id": channel_id} for i in ids])
        db.execute(
            insert(Delivery),
            [
                {
                    "post_id": i,
                    "channel_id": channel_id,
                    "due_at": now,
                    "status": "pending",
                    "attempts": 0,
                    "needs_reconcile": False,
                    "created_at": now,
                }
                for i in ids
            ],
        )


def spawn(args: list[str], url: str, log_path: Path) -> subprocess.Popen:
    """A child process whose output goes to a file (a pipe nobody reads would block it)."""
    env = {**os.environ, "DATABASE_URL": url, "CAREPOST_DISPATCH_INTERVAL_SECONDS": "0.2"}
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=log)


def errors_in(log_path: Path) -> list[str]:
    return [
        line for line in log_path.read_text().splitlines() if "ERROR" in line or "Traceback" in line
    ][:10]


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def counts() -> tuple[int, int, int]:
    with session_scope() as db:
        published = db.exec(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status == DeliveryStatus.published)
        ).one()
        messages = db.exec(select(func.count()).select_from(OutboxMessage)).one()
        distinct = db.exec(select(func.count(func.distinct(OutboxMessage.text)))).one()
    return published, messages, distinct


def test_four_worker_processes_send_2000_deliveries_exactly_once(
    postgresql_only, outbox, marketer, tmp_path
):
    seed_due(2000, outbox.id, marketer.id)
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
    assert "published on outbox" not in errors_in(log)


def test_worker_killed_mid_send_leaves_no_duplicate_and_no_lost_post(
    postgresql_only, outbox, marketer, tmp_path
):
    seed_due(20, outbox.id, marketer.id)
    log = tmp_path / "doomed.log"
    doomed = spawn(["tests/scheduler/crash_worker.py"], postgresql_only, log)
    try:
        # It publishes a batch and hangs before recording any of it; then it is killed outright.
        assert wait_for(lambda: counts()[1] >= 8, timeout=180), errors_in(log)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    _published, sent_by_dead_worker, _ = counts()
    with session_scope() as db:
        stuck = db.exec(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status == DeliveryStatus.sending)
        ).one()
        assert stuck >= sent_by_dead_worker
        # Time passes: the dead worker's leases run out.
        db.execute(
            text(
                "UPDATE delivery SET lease_until = now() - interval '1 second' WHERE status = 'sending'"
            )
        )
    result = tick()
    assert result.recovered == stuck
    tick()
    published, messages, distinct = counts()
    assert (published, messages, distinct) == (20, 20, 20)


def test_identical_texts_and_a_killed_worker_publish_each_delivery_on_its_own_message(
    postgresql_only, outbox, marketer, tmp_path
):
    seed_due(200, outbox.id, marketer.id, text="Campaña de vacunación: pida cita")
    log = tmp_path / "doomed.log"
    doomed = spawn(["tests/scheduler/crash_worker.py"], postgresql_only, log)
    try:
        assert wait_for(lambda: counts()[1] >= 8, timeout=180), errors_in(log)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    with session_scope() as db:
        db.execute(
            text(
                "UPDATE delivery SET lease_until = now() - interval '1 second' WHERE status = 'sending'"
            )
        )
    while tick().claimed:
        pass
    with session_scope() as db:
        published = db.exec(
            select(Delivery.id, Delivery.remote_id).where(
                Delivery.status == DeliveryStatus.published
            )
        ).all()
        references = dict(db.exec(select(OutboxMessage.id, OutboxMessage.reference)).all())
    # Every delivery published, on a message of its own that carries its reference: as many
    # messages as deliveries, none claimed twice.
    assert len(published) == 200 and len(references) == 200
    assert len({remote_id for _id, remote_id in published}) == 200
    assert all(
        references[int(remote_id)] == f"carepost-delivery-{id_}" for id_, remote_id in published
    )
