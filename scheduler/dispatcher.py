"""The dispatcher: claim due deliveries, send them through their connectors, record what happened."""

import logging
import os
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from app.channels import gateway
from app.clock import utcnow
from app.database import get_engine, session_scope
from app.posts import deliveries, media
from app.settings import get_settings
from connectors.base import ChannelError, Published

log = logging.getLogger("carepost.dispatcher")
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class TickResult:
    recovered: int = 0
    claimed: int = 0
    published: int = 0
    failed: int = 0


def send_one(job: deliveries.Job, conn=None) -> str:
    """Send one claimed delivery; returns what became of it (published, pending, failed, …).

    The send-time check and the result are two short transactions on one connection (the caller's,
    when it sends several deliveries in a row).
    """
    if conn is None:
        with get_engine().connect() as own:
            return send_one(job, own)
    with conn.begin():
        if not deliveries.still_wanted(conn=conn, job=job):
            return "skipped"
    return _send_checked(job, conn)


def _send_checked(job: deliveries.Job, conn) -> str:
    channel = job.channel
    candidates: list[Published] = []
    try:
        if job.needs_reconcile:
            # The last try may have gone out: look for it before any resend.
            candidates = gateway.call(channel, lambda c: c.find_published(job.draft, job.since))
        for _round in range(2):
            found = None
            if candidates:
                with conn.begin():
                    found = deliveries.match_found(conn=conn, job=job, found=candidates)
            result = found or gateway.call(channel, lambda c: c.publish(job.draft))
            try:
                with conn.begin():
                    deliveries.record_published(
                        conn=conn, job=job, result=result, now=utcnow(), reconciled=bool(found)
                    )
                break
            except IntegrityError:
                if not found:
                    raise deliveries.Undecided() from None
                # Another worker settled its delivery with this message meanwhile: match again.
        else:
            raise deliveries.Undecided()
    except ChannelError as error:
        return _failed(job, error)
    except deliveries.Undecided as undecided:
        return _failed(job, undecided.error)
    log.debug("delivery %s published on %s", job.delivery_id, channel.kind)
    return "published"


def _failed(job: deliveries.Job, error: ChannelError) -> str:
    with session_scope() as db:
        return deliveries.record_failure(db=db, job=job, error=error, now=utcnow())


def send_batch(ids: list[int], claim: str, pool: ThreadPoolExecutor) -> list[str]:
    """Load a claimed batch at once, send its deliveries in parallel, then close finished posts."""
    with session_scope() as db:
        jobs = deliveries.load_jobs(db=db, ids=ids, worker=claim, media_loader=media.read)
    lanes = min(pool._max_workers, len(jobs))  # noqa: SLF001 - the pool's own size
    outcomes = [
        outcome
        for lane in pool.map(_send_lane, [jobs[i::lanes] for i in range(lanes)])
        for outcome in lane
    ]
    with session_scope() as db:
        deliveries.finish_posts(db=db, post_ids={job.post_id for job in jobs})
    return outcomes


def tick(
    *,
    worker: str = WORKER_ID,
    budget_seconds: float = 50.0,
    executor: ThreadPoolExecutor | None = None,
) -> TickResult:
    """One round: recover dead claims, lay out recurrences, then send batches until nothing is due."""
    settings = get_settings()
    result = TickResult()
    with session_scope() as db:
        now = utcnow()
        result.recovered = deliveries.recover_expired(db=db, now=now)
        deliveries.materialize_recurrences(db=db, now=now)
    own_pool = executor is None
    pool = executor or ThreadPoolExecutor(settings.dispatch_threads, thread_name_prefix="dispatch")
    started = time.monotonic()
    try:
        while time.monotonic() - started < budget_seconds:
            claim = f"{worker}:{uuid.uuid4().hex[:12]}"
            with session_scope() as db:
                ids = deliveries.claim(
                    db=db, worker=claim, now=utcnow(), limit=settings.dispatch_batch_size
                )
            if not ids:
                break
            result.claimed += len(ids)
            for outcome in send_batch(ids, claim, pool):
                result.published += outcome == "published"
                result.failed += outcome in ("failed", "uncertain")
    finally:
        if own_pool:
            pool.shutdown(wait=True)
    return result


def _send_lane(jobs: list[deliveries.Job]) -> list[str]:
    """One thread's share of a batch, sent in turn on one database connection."""
    with get_engine().connect() as conn:
        return [_safe_send(job, conn) for job in jobs]


def _safe_send(job: deliveries.Job, conn) -> str:
    try:
        if conn.invalidated:
            conn.rollback()  # a dropped connection is replaced on next use
        return send_one(job, conn)
    except Exception as error:  # noqa: BLE001 - one bad delivery must not stop the batch
        # The claim stays in `sending` until its lease runs out, then it is reconciled, never resent blindly.
        log.error("delivery %s: unexpected %s", job.delivery_id, type(error).__name__)
        log.debug("delivery %s", job.delivery_id, exc_info=True)
        return "error"
