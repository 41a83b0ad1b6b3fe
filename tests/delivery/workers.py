"""Worker processes on PostgreSQL for the exactly-once tests of every kind of message: start
several, wait for a condition, kill one outright, let its leases run out."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from app.database import session_scope

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgresql_only(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("several workers share work only on PostgreSQL")
    return db_url


def spawn(args: list[str], url: str, log_path: Path) -> subprocess.Popen:
    """A child process whose output goes to a file (a pipe nobody reads would block it)."""
    env = {**os.environ, "DATABASE_URL": url, "CAREPOST_DISPATCH_INTERVAL_SECONDS": "0.2"}
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=log)


def errors_in(log_path: Path) -> list[str]:
    return [
        line for line in log_path.read_text().splitlines() if "ERROR" in line or "Traceback" in line
    ][:10]


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def run_workers(
    count: int, url: str, log_path: Path, done: Callable[[], bool], timeout: float = 240
) -> bool:
    """`count` worker processes (`carepost worker`) until `done()`; then they are stopped."""
    workers = [spawn(["-m", "app.cli", "worker"], url, log_path) for _ in range(count)]
    try:
        return wait_for(done, timeout)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)


def kill_when(script: str, url: str, log_path: Path, ready: Callable[[], bool]) -> None:
    """Run `script` (a worker that hangs somewhere) until `ready()`, then SIGKILL it."""
    doomed = spawn([script], url, log_path)
    try:
        assert wait_for(ready, timeout=120), errors_in(log_path)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)


def expire_leases(table: str) -> None:
    """Time passes: every claim still held runs out (its worker is dead)."""
    with session_scope() as db:
        db.execute(
            text(
                f"UPDATE {table} SET lease_until = now() - interval '1 second' "  # noqa: S608 - a table name from the test
                "WHERE status = 'sending'"
            )
        )
