"""The one delivery engine: every outbound message (a social post, an SMS) goes through this loop.

Each kind of message registers an `OutboundKind`: its claim query, how a claimed batch is loaded,
its send-time check, the adapter call, how success and failure are written, and how a message that
may have gone out is looked up on the provider. The engine owns what they share:

1. recover claims whose lease ran out (a worker died mid-send): back to pending, marked
   needs_reconcile, so they are looked up before any resend;
2. claim due rows (FOR UPDATE SKIP LOCKED on PostgreSQL; one writer on SQLite) with a lease;
3. re-check just before sending that the message is still wanted;
4. reconcile (find) first when the last try may have gone out, else send through the adapter;
5. classify a failure: retryable -> back off; unknown outcome -> back off and reconcile first;
   final, or out of attempts -> failed, or `uncertain` when it may have gone out;
   a resting channel (throttled) -> wait without losing an attempt.

How many messages are in flight at once, and how the database work is batched around them, is
`app/delivery/pipeline.py`'s part.
"""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from app.clock import utcnow
from app.database import get_engine
from app.settings import get_settings
from connectors.base import ChannelError, ErrorKind
from scheduler.retries import next_attempt

log = logging.getLogger("carepost.engine")


class Conflict(Exception):
    """Recording a found message failed because another row holds it already."""


class Undecided(Exception):
    """Several messages on the channel could be this one's: a person must say which."""

    def __init__(self, error: ChannelError):
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class Failure:
    """What the engine decided about a failed send; the kind writes it to its own row."""

    status: str  # "pending", "failed" or "uncertain"
    message: str
    next_attempt_at: datetime | None = None
    needs_reconcile: bool = False
    refund_attempt: bool = False  # nothing was called (a resting channel): the try does not count


class OutboundKind(Protocol):
    """One kind of outbound message, as the engine sees it.

    Optional attributes: `uses_connection = False` when the kind opens its own short transactions
    (`still_wanted`, `match` and `record_sent` are then given no connection);
    `concurrency`, the messages a worker keeps in flight for this kind (default: dispatch_threads);
    `threads`, how many blocking sends run at once (default: concurrency);
    `limiter`, a RateLimiter spacing sends to the provider's rate;
    `send_async(job)`, a coroutine sending one message (else `send` runs in a thread of its own),
    with `close_async()` awaited when a round ends;
    `still_wanted_many(jobs) -> list` (the jobs still wanted) and
    `record_sent_many([(job, result), ...]) -> list[bool]` doing the same for many messages in a
    few statements; without them the engine calls the one-message methods on one connection.
    """

    name: str

    def prepare(self, *, now: datetime) -> int:
        """Recover expired claims (returns how many) and any per-kind housekeeping before claiming."""

    def claim(self, *, worker: str, now: datetime, limit: int) -> list[int]: ...

    def load(self, *, ids: list[int], claim: str) -> list[Any]: ...

    def still_wanted(self, job: Any, conn) -> bool:
        """Just before sending; when False the kind has released or skipped the claim."""

    def needs_reconcile(self, job: Any) -> bool: ...

    def attempts(self, job: Any) -> int: ...

    def find(self, job: Any) -> list[Any]:
        """Messages on the provider that may be this one's (newest first)."""

    def match(self, job: Any, found: list[Any], conn) -> Any | None:
        """Which found message is this one's; raises Undecided when a person must say."""

    def send(self, job: Any) -> Any: ...

    def record_sent(self, job: Any, result: Any, conn, *, reconciled: bool) -> bool:
        """Write success; False when the claim was lost; raises Conflict when another row holds it."""

    def record_failure(self, job: Any, error: ChannelError, failure: Failure) -> str:
        """Write the engine's decision; returns the new status ("lost" when the claim was lost)."""

    def finish(self, jobs: list[Any]) -> None:
        """After a batch: per-kind follow-up (posts with nothing left to send are done)."""

    def finish_key(self, job: Any) -> Any:
        """What `finish` looks at of a job (its post, its newsletter): a round that sends many
        messages keeps one job per key for `finish`, not all of them. None: `finish` needs none."""


_kinds: dict[str, Callable[[], OutboundKind | None]] = {}


def register(name: str, factory: Callable[[], OutboundKind | None]) -> None:
    """Make a kind known to the engine; the factory may return None when it cannot run now
    (a provider not configured)."""
    _kinds[name] = factory


def kinds() -> list[OutboundKind]:
    built = (factory() for factory in _kinds.values())
    return [kind for kind in built if kind is not None]


def decide(error: ChannelError, *, attempts: int, needs_reconcile: bool, now: datetime) -> Failure:
    """Classify a failed send: retry with back-off, reconcile first, give up, or ask a person."""
    if error.code == "throttled":
        return Failure(
            "pending", error.message, error.retry_at, needs_reconcile, refund_attempt=True
        )
    if error.kind == ErrorKind.final or attempts >= get_settings().dispatch_max_attempts:
        message = error.message
        if error.kind != ErrorKind.final:
            message = f"gave up after {attempts} attempts: {error.message}"
        # It may have gone out: a person must look before anything is sent again.
        uncertain = error.kind == ErrorKind.unknown or needs_reconcile
        return Failure("uncertain" if uncertain else "failed", message[:500])
    return Failure(
        "pending",
        error.message,
        next_attempt(now, attempts, error.retry_at),
        needs_reconcile or error.kind == ErrorKind.unknown,
    )


def send_one(kind: OutboundKind, job: Any, conn=None) -> str:
    """Send one claimed message; returns what became of it (sent, skipped, pending, failed, …)."""
    if conn is None and getattr(kind, "uses_connection", True):
        with get_engine().connect() as own:
            return send_one(kind, job, own)
    if not kind.still_wanted(job, conn):
        return "skipped"
    reconciling = kind.needs_reconcile(job)
    limiter: RateLimiter | None = getattr(kind, "limiter", None)
    try:
        # The last try may have gone out: look for it before any resend.
        candidates = kind.find(job) if reconciling else []
        for _round in range(2):
            found = kind.match(job, candidates, conn) if candidates else None
            if found is None and limiter is not None:
                limiter.wait()
            result = found or kind.send(job)
            try:
                kind.record_sent(job, result, conn, reconciled=found is not None)
                return "sent"
            except Conflict:
                if found is None:
                    raise Undecided(ambiguous()) from None
                # Another row settled with this message meanwhile: match again.
        raise Undecided(ambiguous())
    except Undecided as undecided:
        error = undecided.error
    except ChannelError as channel_error:
        error = channel_error
    failure = decide(error, attempts=kind.attempts(job), needs_reconcile=reconciling, now=utcnow())
    return kind.record_failure(job, error, failure)


def ambiguous() -> ChannelError:
    return ChannelError(
        ErrorKind.final,
        "the message may have gone out, but carepost cannot tell which message on the channel "
        "is this one's; check the channel before sending it again",
        code="ambiguous",
    )


@dataclass
class TickResult:
    recovered: int = 0
    claimed: int = 0
    published: int = 0  # sent, under the name the post dispatcher always used
    failed: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class RateLimiter:
    """At most `per_second` sends per second from this process, spaced evenly (thread-safe)."""

    def __init__(self, per_second: float, *, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / per_second
        self.clock, self.sleep = clock, sleep
        self.lock = threading.Lock()
        self.next_slot = 0.0

    def reserve(self) -> float:
        """Take the next free slot without waiting; returns how long until it comes."""
        with self.lock:
            now = self.clock()
            slot = max(now, self.next_slot)
            self.next_slot = slot + self.interval
        return slot - now

    def backlog(self) -> float:
        """How long until a slot is free, taking none."""
        with self.lock:
            return max(0.0, self.next_slot - self.clock())

    def wait(self) -> float:
        """Take the next free slot, sleeping until it comes; returns how long it slept."""
        delay = self.reserve()
        if delay > 0:
            self.sleep(delay)
        return delay


def safe_send(kind: OutboundKind, job: Any, conn) -> str:
    """`send_one`, with an unexpected error logged and the claim left to run out."""
    try:
        if conn is not None and conn.invalidated:
            conn.rollback()  # a dropped connection is replaced on next use
        return send_one(kind, job, conn)
    except Exception as error:  # noqa: BLE001 - one bad message must not stop the batch
        # The claim stays in `sending` until its lease runs out, then it is reconciled, never resent blindly.
        log.error("%s: unexpected %s", kind.name, type(error).__name__)
        log.debug("%s", kind.name, exc_info=True)
        return "error"


def send_batch(
    kind: OutboundKind, ids: list[int], claim: str, pool: ThreadPoolExecutor
) -> list[str]:
    """Send a batch the caller claimed just now, outside the dispatcher's round (an on-demand run
    such as "check comments now"); each message on a connection of its own, in the pool's threads."""
    jobs = kind.load(ids=ids, claim=claim)
    if not jobs:
        return []
    outcomes = list(pool.map(lambda job: safe_send(kind, job, None), jobs))
    kind.finish(jobs)
    return outcomes


def tick(
    *,
    worker: str,
    budget_seconds: float = 50.0,
    executor: ThreadPoolExecutor | None = None,
    only: list[OutboundKind] | None = None,
) -> TickResult:
    """One round for every registered kind: recover, then claim and send until nothing is due.

    `executor`, when given, runs the blocking sends of every kind (else each kind has a pool as
    large as its concurrency).
    """
    from app.delivery import pipeline  # it builds on this module

    result = TickResult()
    deadline = time.monotonic() + budget_seconds
    for kind in only if only is not None else kinds():
        result.recovered += kind.prepare(now=utcnow())
        pipeline.drain(kind, worker=worker, deadline=deadline, result=result, senders=executor)
    return result
