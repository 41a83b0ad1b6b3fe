"""The dispatcher: APScheduler's entry to the one delivery engine (app/delivery/engine.py).

Each tick recovers dead claims, then claims, checks, sends and records every registered kind of
outbound message in turn: social post deliveries, SMS, calls, replies to comments and hiding comments.
"""

import os
import socket
from concurrent.futures import ThreadPoolExecutor

from app.delivery import engine
from app.delivery.engine import TickResult
from app.newsletters import outbound as _email  # noqa: F401 - registers the e-mail kind
from app.posts import comment_outbound as _comments  # noqa: F401 - registers replies and hiding
from app.posts import deliveries
from app.posts.outbound import PostDeliveries
from app.sms import outbound as _sms  # noqa: F401 - registers the SMS kind

# isort: split
from app.calls import outbound as _calls  # noqa: F401 - registers the call kind, after SMS

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
POSTS = PostDeliveries()

__all__ = ["TickResult", "WORKER_ID", "send_one", "tick"]


def send_one(job: deliveries.Job, conn=None) -> str:
    """Send one claimed post delivery; returns what became of it (published, skipped, pending, …)."""
    outcome = engine.send_one(POSTS, job, conn)
    return "published" if outcome == "sent" else outcome


def tick(
    *,
    worker: str = WORKER_ID,
    budget_seconds: float = 50.0,
    executor: ThreadPoolExecutor | None = None,
) -> TickResult:
    """One round of the engine for every kind of outbound message."""
    return engine.tick(worker=worker, budget_seconds=budget_seconds, executor=executor)
