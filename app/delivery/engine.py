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
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
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
    (each message is then its own task, none holding a connection while the provider answers);
    `concurrency`, the requests a worker keeps in flight for this kind (its own thread pool);
    `limiter`, a RateLimiter spacing sends to the provider's rate.
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
                    raise Undecided(_ambiguous()) from None
                # Another row settled with this message meanwhile: match again.
        raise Undecided(_ambiguous())
    except Undecided as undecided:
        error = undecided.error
    except ChannelError as channel_error:
        error = channel_error
    failure = decide(error, attempts=kind.attempts(job), needs_reconcile=reconciling, now=utcnow())
    return kind.record_failure(job, error, failure)


def _ambiguous() -> ChannelError:
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

    def wait(self) -> float:
        """Take the next free slot, sleeping until it comes; returns how long it slept."""
        with self.lock:
            now = self.clock()
            slot = max(now, self.next_slot)
            self.next_slot = slot + self.interval
        delay = slot - now
        if delay > 0:
            self.sleep(delay)
        return delay


def send_batch(
    kind: OutboundKind, ids: list[int], claim: str, pool: ThreadPoolExecutor
) -> list[str]:
    """Load a claimed batch at once and send it in parallel.

    A kind whose steps use one connection each (posts) is sent in lanes, one connection per lane;
    a kind that waits on a slow provider (SMS) gets one task per message, so as many requests are in
    flight as its pool has threads, spaced by its provider's rate.
    """
    jobs = kind.load(ids=ids, claim=claim)
    if not jobs:
        return []
    if not getattr(kind, "uses_connection", True):
        outcomes = list(pool.map(lambda job: _safe_send(kind, job, None), jobs))
        kind.finish(jobs)
        return outcomes
    lanes = min(pool._max_workers, len(jobs))  # noqa: SLF001 - the pool's own size
    outcomes = [
        outcome
        for lane in pool.map(
            lambda part: _send_lane(kind, part), [jobs[i::lanes] for i in range(lanes)]
        )
        for outcome in lane
    ]
    kind.finish(jobs)
    return outcomes


def _send_lane(kind: OutboundKind, jobs: Sequence[Any]) -> list[str]:
    with get_engine().connect() as conn:
        return [_safe_send(kind, job, conn) for job in jobs]


def _safe_send(kind: OutboundKind, job: Any, conn) -> str:
    try:
        if conn is not None and conn.invalidated:
            conn.rollback()  # a dropped connection is replaced on next use
        return send_one(kind, job, conn)
    except Exception as error:  # noqa: BLE001 - one bad message must not stop the batch
        # The claim stays in `sending` until its lease runs out, then it is reconciled, never resent blindly.
        log.error("%s: unexpected %s", kind.name, type(error).__name__)
        log.debug("%s", kind.name, exc_info=True)
        return "error"


def tick(
    *,
    worker: str,
    budget_seconds: float = 50.0,
    executor: ThreadPoolExecutor | None = None,
    only: list[OutboundKind] | None = None,
) -> TickResult:
    """One round for every registered kind: recover, then claim and send until nothing is due."""
    settings = get_settings()
    result = TickResult()
    own_pool = executor is None
    pool = executor or ThreadPoolExecutor(settings.dispatch_threads, thread_name_prefix="dispatch")
    started = time.monotonic()
    try:
        for kind in only if only is not None else kinds():
            result.recovered += kind.prepare(now=utcnow())
            concurrency = getattr(kind, "concurrency", None)
            if concurrency:
                with ThreadPoolExecutor(concurrency, thread_name_prefix=kind.name) as own:
                    limit = max(settings.dispatch_batch_size, concurrency)
                    _drain(kind, worker, own, limit, started, budget_seconds, result)
            else:
                _drain(
                    kind,
                    worker,
                    pool,
                    settings.dispatch_batch_size,
                    started,
                    budget_seconds,
                    result,
                )
    finally:
        if own_pool:
            pool.shutdown(wait=True)
    return result


def _drain(kind, worker, pool, limit, started, budget_seconds, result: TickResult) -> None:
    """Claim and send this kind's due messages until none is left or the tick's time is up."""
    while time.monotonic() - started < budget_seconds:
        claim = f"{worker}:{uuid.uuid4().hex[:12]}"
        ids = kind.claim(worker=claim, now=utcnow(), limit=limit)
        if not ids:
            return
        result.claimed += len(ids)
        result.by_kind[kind.name] = result.by_kind.get(kind.name, 0) + len(ids)
        for outcome in send_batch(kind, ids, claim, pool):
            result.published += outcome == "sent"
            result.failed += outcome in ("failed", "uncertain")
