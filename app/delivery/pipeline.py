"""Hundreds of messages in flight per worker: the engine's event loop for one kind of message.

A kind's due messages flow through four steps. Database work is batched and runs in a few threads,
and no connection is held while a provider answers:

1. claim as many as there is room for in flight (one statement, SKIP LOCKED on PostgreSQL);
2. re-check a chunk of them together, after the claim and right before their requests go out
   (`still_wanted_many` when the kind has it, else `still_wanted` one by one on one connection);
3. send each: a coroutine (`send_async`), or a blocking call in one of the kind's sender threads,
   each thread taking a chunk's messages one after another; spaced by the kind's rate limiter;
4. record what went out in batches (`record_sent_many`, else `record_sent` one by one on one
   connection); a failure is decided (`engine.decide`) and written on its own.

A message whose last try may have gone out takes the careful path, one at a time
(`engine.send_one`): looked up on the provider first, sent only when it is not found there.
"""

import asyncio
import logging
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from app.clock import utcnow
from app.database import get_engine
from app.delivery import engine
from app.settings import get_settings
from connectors.base import ChannelError

log = logging.getLogger("carepost.engine")

CHECK_CHUNK = 100  # messages re-checked together, right before they are sent
RECORD_CHUNK = 500  # results written in one transaction at most
PACE_WINDOW = 0.1  # with a rate limit, re-check only what may go out in the next 0.1 s
DB_THREADS = 4  # claims, checks, records and failures of one kind at once


try:  # an optional dependency: a faster event loop, the same behaviour
    from uvloop import new_event_loop
except ImportError:  # pragma: no cover - asyncio's own loop
    new_event_loop = None


def _run(coroutine) -> Any:
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(coroutine)


def run(coroutine) -> Any:
    """Run the coroutine to its end from synchronous code (on uvloop when it is installed), in a
    thread of its own when this one already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run(coroutine)
    with ThreadPoolExecutor(1, thread_name_prefix="engine-loop") as own:
        return own.submit(_run, coroutine).result()


def still_wanted_many(kind, jobs: list[Any]) -> list[Any]:
    """The jobs still wanted now; the others the kind has released or skipped."""
    batched = getattr(kind, "still_wanted_many", None)
    if batched is not None:
        return batched(jobs)
    if not getattr(kind, "uses_connection", True):
        return [job for job in jobs if kind.still_wanted(job, None)]
    with get_engine().connect() as conn:
        return [job for job in jobs if kind.still_wanted(job, conn)]


def record_sent_many(kind, sent: list[tuple[Any, Any]]) -> list[str]:
    """Write what the provider accepted; what became of each (sent, lost, or a failure's status)."""
    batched = getattr(kind, "record_sent_many", None)
    if batched is not None:
        return ["sent" if recorded else "lost" for recorded in batched(sent)]
    if not getattr(kind, "uses_connection", True):
        return [_record_one(kind, job, result, None) for job, result in sent]
    with get_engine().connect() as conn:
        return [_record_one(kind, job, result, conn) for job, result in sent]


def _record_one(kind, job: Any, result: Any, conn) -> str:
    try:
        return "sent" if kind.record_sent(job, result, conn, reconciled=False) else "lost"
    except engine.Conflict:
        # Another row holds the message the provider just made: carepost cannot tell which is whose.
        error = engine.ambiguous()
        failure = engine.decide(
            error, attempts=kind.attempts(job), needs_reconcile=False, now=utcnow()
        )
        return kind.record_failure(job, error, failure)


class Flow:
    """One kind's due messages through claim, check, send and record, `concurrency` in flight."""

    def __init__(
        self,
        kind,
        *,
        worker: str,
        concurrency: int,
        claim_limit: int,
        result: engine.TickResult,
        senders: ThreadPoolExecutor | None = None,
    ):
        self.kind, self.worker, self.result = kind, worker, result
        self.concurrency = concurrency
        self.claim_limit = max(1, min(claim_limit, concurrency))
        # Claimed messages count against the room until their outcome is written: claims never
        # run ahead of what the database takes in.
        self.room = concurrency
        self.freed = asyncio.Event()
        self.send_async = getattr(kind, "send_async", None)
        self.limiter: engine.RateLimiter | None = getattr(kind, "limiter", None)
        self.db = ThreadPoolExecutor(DB_THREADS, thread_name_prefix=f"{kind.name}-db")
        self.own_senders = senders is None and self.send_async is None
        # A blocking send holds a thread while it waits on the provider: as many sender threads as
        # the kind says (`threads`: SMTP, a connection each) or as its concurrency.
        self.threads = min(getattr(kind, "threads", None) or concurrency, concurrency)
        if self.own_senders:
            senders = ThreadPoolExecutor(self.threads, thread_name_prefix=kind.name)
        self.senders = senders
        # Messages that may have gone out are looked up and settled a few at a time, in claim order.
        self.careful = ThreadPoolExecutor(
            get_settings().dispatch_threads, thread_name_prefix=f"{kind.name}-lookup"
        )
        self.tasks: set[asyncio.Task] = set()
        self.sent: list[tuple[Any, Any]] = []
        self.unrecorded = asyncio.Event()
        self.closing = False
        # One job per `finish_key` for the round's `finish`: memory stays flat however many are sent.
        self.to_finish: dict[Any, Any] = {}

    async def in_db(self, function, /, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.db, partial(function, *args, **kwargs))

    async def run(self, deadline: float) -> None:
        """Claim and send until nothing is due or the deadline passes; settle what is in flight."""
        recorder = asyncio.create_task(self._recorder())
        try:
            while time.monotonic() < deadline:
                await self._wait_for_room()
                claim = f"{self.worker}:{uuid.uuid4().hex[:12]}"
                limit = min(self.room, self.claim_limit)
                ids = await self.in_db(self.kind.claim, worker=claim, now=utcnow(), limit=limit)
                if not ids:
                    break
                self.room -= len(ids)
                self.result.claimed += len(ids)
                by_kind = self.result.by_kind
                by_kind[self.kind.name] = by_kind.get(self.kind.name, 0) + len(ids)
                jobs = await self.in_db(self.kind.load, ids=ids, claim=claim)
                self.room += len(ids) - len(jobs)
                self._keep_for_finish(jobs)
                await self._dispatch(jobs)
            while self.tasks:
                await asyncio.gather(*list(self.tasks))
        finally:
            self.closing = True
            self.unrecorded.set()
            await recorder
            if self.to_finish:
                await self.in_db(self.kind.finish, list(self.to_finish.values()))
            close = getattr(self.kind, "close_async", None)
            if close is not None:
                await close()
            self.db.shutdown(wait=True)
            self.careful.shutdown(wait=True)
            if self.own_senders:
                self.senders.shutdown(wait=True)

    def _keep_for_finish(self, jobs: list[Any]) -> None:
        for job in jobs:
            key = self.kind.finish_key(job)
            if key is not None:
                self.to_finish.setdefault(key, job)

    async def _wait_for_room(self) -> None:
        # Claim in good-sized batches: once half the room is free, or when nothing is outstanding.
        wanted = max(1, self.claim_limit // 2)
        while self.room < wanted and self.room < self.concurrency:
            self.freed.clear()
            await self.freed.wait()

    def _settled(self, outcome: str | None) -> None:
        self.room += 1
        self.freed.set()
        if outcome is not None:
            self.result.published += outcome == "sent"
            self.result.failed += outcome in ("failed", "uncertain")

    def _start(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _dispatch(self, jobs: list[Any]) -> None:
        fresh = []
        for job in jobs:
            if self.kind.needs_reconcile(job):
                self._start(self._careful(job))
            else:
                fresh.append(job)
        size = CHECK_CHUNK
        if self.limiter is not None:
            size = max(1, min(size, int(PACE_WINDOW / self.limiter.interval)))
        for start in range(0, len(fresh), size):
            chunk = fresh[start : start + size]
            if self.limiter is not None:
                # The check must be fresh when the request goes: wait until the chunk's turn.
                await asyncio.sleep(self.limiter.backlog())
            wanted = await self.in_db(still_wanted_many, self.kind, chunk)
            for _unwanted in range(len(chunk) - len(wanted)):
                self._settled(None)
            if self.send_async is not None:
                for job in wanted:
                    delay = self.limiter.reserve() if self.limiter is not None else 0.0
                    self._start(self._send(job, delay))
                continue
            # Blocking sends: each sender thread takes the chunk's messages one after another, so
            # a thread is handed work once per share of a chunk, not once per message.
            queue = deque(wanted)
            for _share in range(min(self.threads, len(wanted))):
                self._start(self._send_from(queue))

    async def _send(self, job: Any, delay: float) -> None:
        """One message through the kind's coroutine (`send_async`)."""
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            result = await self.send_async(job)
        except Exception as error:  # noqa: BLE001 - one bad message must not stop the others
            # An unexpected error leaves the claim in `sending` until its lease runs out; then
            # it is looked up, never resent blindly.
            self._settled(await self._failed(job, error))
        else:
            self.sent.append((job, result))
            self.unrecorded.set()  # the recorder settles it

    def _send_blocking(self, queue: deque, done: list) -> None:
        """In a sender thread: send the queue's messages until it is empty, each spaced by the rate
        limiter; what became of each goes to `done` as (job, result, error)."""
        while True:
            try:
                job = queue.popleft()
            except IndexError:
                return
            if self.limiter is not None:
                self.limiter.wait()
            try:
                done.append((job, self.kind.send(job), None))
            except Exception as error:  # noqa: BLE001 - one bad message must not stop the others
                done.append((job, None, error))

    async def _send_from(self, queue: deque) -> None:
        """One sender thread's share of a chunk, then what became of each message."""
        done: list[tuple[Any, Any, Exception | None]] = []
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self.senders, self._send_blocking, queue, done)
        except Exception as error:  # noqa: BLE001 - the pool could not take them: claims run out
            log.error("%s: sending stopped: %s", self.kind.name, type(error).__name__)
            while True:
                try:
                    queue.popleft()
                except IndexError:
                    break
                self._settled("error")
        sent = [(job, result) for job, result, error in done if error is None]
        if sent:
            self.sent.extend(sent)
            self.unrecorded.set()  # the recorder settles them
        for job, _result, error in done:
            if error is not None:
                self._settled(await self._failed(job, error))

    async def _failed(self, job: Any, error: Exception) -> str:
        """A send that raised: a provider's refusal is decided and written; anything else is logged
        and the claim left to run out (then looked up, never resent blindly)."""
        if not isinstance(error, ChannelError):
            log.error("%s: unexpected %s", self.kind.name, type(error).__name__)
            return "error"
        failure = engine.decide(
            error, attempts=self.kind.attempts(job), needs_reconcile=False, now=utcnow()
        )
        try:
            return await self.in_db(self.kind.record_failure, job, error, failure)
        except Exception as failed:  # noqa: BLE001 - as an unexpected error in `_send`
            log.error("%s: unexpected %s", self.kind.name, type(failed).__name__)
            return "error"

    async def _careful(self, job: Any) -> None:
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(self.careful, engine.safe_send, self.kind, job, None)
        self._settled(outcome)

    async def _recorder(self) -> None:
        """Write sent messages in batches: whatever arrived while the last batch was written."""
        while True:
            await self.unrecorded.wait()
            self.unrecorded.clear()
            while self.sent:
                batch, self.sent = self.sent[:RECORD_CHUNK], self.sent[RECORD_CHUNK:]
                try:
                    outcomes = await self.in_db(record_sent_many, self.kind, batch)
                except Exception as error:  # noqa: BLE001 - the claims run out and are looked up
                    log.error("%s: recording failed: %s", self.kind.name, type(error).__name__)
                    log.debug("%s", self.kind.name, exc_info=True)
                    outcomes = ["error"] * len(batch)
                for outcome in outcomes:
                    self._settled(outcome)
            if self.closing:
                return


def drain(
    kind,
    *,
    worker: str,
    deadline: float,
    result: engine.TickResult,
    senders: ThreadPoolExecutor | None = None,
) -> None:
    """Send this kind's due messages until none is left or the deadline passes."""
    settings = get_settings()
    concurrency = getattr(kind, "concurrency", None) or settings.dispatch_threads
    limit = max(settings.dispatch_batch_size, concurrency)
    limiter = getattr(kind, "limiter", None)
    if limiter is not None:
        # A claimed message must go out well within its lease, however slow the provider's rate.
        limit = min(limit, max(1, int(settings.dispatch_lease_seconds / 2 / limiter.interval)))

    async def flow() -> None:
        await Flow(
            kind,
            worker=worker,
            concurrency=concurrency,
            claim_limit=limit,
            result=result,
            senders=senders,
        ).run(deadline)

    run(flow())
