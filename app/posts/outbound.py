"""Social post deliveries as one kind of the delivery engine's outbound messages."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from app.channels import gateway
from app.clock import utcnow
from app.database import get_engine, session_scope
from app.delivery import engine
from app.posts import deliveries, media, thread_sending
from app.settings import get_settings
from connectors.base import ChannelError, Published


class PostDeliveries:
    """Claim, load, check, send and record `Delivery` rows (a post on one channel)."""

    name = "post"

    @property
    def concurrency(self) -> int:
        return get_settings().dispatch_concurrency

    def prepare(self, *, now: datetime) -> int:
        with session_scope() as db:
            recovered = deliveries.recover_expired(db=db, now=now)
            deliveries.materialize_recurrences(db=db, now=now)
        return recovered

    def claim(self, *, worker: str, now: datetime, limit: int) -> list[int]:
        with session_scope() as db:
            return deliveries.claim(db=db, worker=worker, now=now, limit=limit)

    def load(self, *, ids: list[int], claim: str) -> list[deliveries.Job]:
        with session_scope() as db:
            return deliveries.load_jobs(db=db, ids=ids, worker=claim, media_loader=media.read)

    def still_wanted(self, job: deliveries.Job, conn) -> bool:
        with conn.begin():
            return deliveries.still_wanted(conn=conn, job=job)

    def still_wanted_many(self, jobs: list[deliveries.Job]) -> list[deliveries.Job]:
        with get_engine().begin() as conn:
            return deliveries.still_wanted_many(conn=conn, jobs=jobs)

    def needs_reconcile(self, job: deliveries.Job) -> bool:
        # A thread's parts carry their own state: each is looked up by the thread's sending.
        return job.needs_reconcile and not job.parts

    def attempts(self, job: deliveries.Job) -> int:
        return job.attempts

    def find(self, job: deliveries.Job) -> list[Published]:
        return gateway.call(job.channel, lambda c: c.find_published(job.draft, job.since))

    def match(self, job: deliveries.Job, found: list[Published], conn) -> Published | None:
        try:
            with conn.begin():
                return deliveries.match_found(conn=conn, job=job, found=found)
        except deliveries.Undecided as undecided:
            raise engine.Undecided(undecided.error) from None

    def send(self, job: deliveries.Job) -> Published:
        if job.parts:
            return thread_sending.send(job)
        return gateway.call(job.channel, lambda c: c.publish(job.draft))

    def record_sent(
        self, job: deliveries.Job, result: Published, conn, *, reconciled: bool
    ) -> bool:
        try:
            with conn.begin():
                return deliveries.record_published(
                    conn=conn, job=job, result=result, now=utcnow(), reconciled=reconciled
                )
        except IntegrityError:
            raise engine.Conflict() from None

    def record_failure(
        self, job: deliveries.Job, error: ChannelError, failure: engine.Failure
    ) -> str:
        with session_scope() as db:
            return deliveries.record_failure(db=db, job=job, error=error, failure=failure)

    def finish_key(self, job: deliveries.Job) -> int:
        return job.post_id

    def finish(self, jobs: list[deliveries.Job]) -> None:
        with session_scope() as db:
            deliveries.finish_posts(db=db, post_ids={job.post_id for job in jobs})


engine.register(PostDeliveries.name, PostDeliveries)
