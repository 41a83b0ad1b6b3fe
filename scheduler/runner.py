"""APScheduler wiring: the dispatcher and metrics jobs, in the web process or in `carepost worker`.

Each run is recorded (last run, last success, the kind of the last error) for the admins' jobs page.
A round logs one INFO line only when it did something, with counts and never texts; APScheduler's
own line for every run goes to DEBUG.
"""

import logging
import traceback

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from app.clock import utcnow
from app.settings import get_settings

log = logging.getLogger("carepost.scheduler")
# APScheduler's messages for a normal run: "Running job …", "… executed successfully", and a round
# skipped because the previous one still runs (expected for the dispatcher).
ROUTINE = ("Running job", "executed successfully", "maximum number of running instances")


class RoutineRunsAtDebug(logging.Filter):
    """Log APScheduler's per-run INFO lines at DEBUG (dropped unless carepost logs at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING or not any(text in str(record.msg) for text in ROUTINE):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return log.isEnabledFor(logging.DEBUG)


for _name in ("apscheduler.executors.default", "apscheduler.scheduler"):
    logging.getLogger(_name).addFilter(RoutineRunsAtDebug())


def run_tracked(name: str, job) -> None:
    """Run one job and record the run; a failure is logged and recorded by its type only (the
    message of a database error carries bound parameters: texts, names)."""
    from app.database import session_scope
    from app.jobs import service as jobs

    started, failure = utcnow(), None
    try:
        job()
    except Exception as error:  # noqa: BLE001 - recorded and shown to admins, the next round retries
        failure = error
        log.error("%s job failed: %s", name, type(error).__name__)
        log.debug("%s job traceback:\n%s", name, "".join(traceback.format_tb(error.__traceback__)))
    try:
        with session_scope() as db:
            jobs.record(db=db, name=name, started=started, finished=utcnow(), error=failure)
    except Exception as error:  # noqa: BLE001 - the database may be the failure itself
        log.error("%s job: its run could not be recorded (%s)", name, type(error).__name__)


def dispatch_job() -> None:
    """Module-level so a persistent job store could reference it; it reads everything from the database."""
    from scheduler.dispatcher import tick

    result = tick()
    if result.claimed or result.recovered:
        log.info(
            "dispatch: claimed %s, published %s, failed %s, recovered %s",
            result.claimed,
            result.published,
            result.failed,
            result.recovered,
        )


def metrics_job() -> None:
    from scheduler.metrics import refresh

    taken = refresh()
    if taken:
        log.info("metrics: %s snapshots", taken)


def comments_job() -> None:
    """Read comments on published posts, screen them, post replies and hide what must be hidden."""
    from app.posts.comments import run_round

    result = run_round()
    if result.new or result.replied or result.synced or result.errors:
        log.info(
            "comments: %s new (%s flagged), %s replies, %s hidden or shown, %s errors",
            result.new,
            result.flagged,
            result.replied,
            result.synced,
            result.errors,
        )


def review_job() -> None:
    """Escalate review items that waited too long (never silently dropped), emergencies first."""
    from app.database import session_scope
    from app.review.desk import escalate_overdue_emergencies
    from app.review.service import escalate_stale

    with session_scope() as db:
        count = escalate_stale(db)
        overdue = escalate_overdue_emergencies(db)
    if count or overdue:
        log.info("review: escalated %s stale items, %s overdue emergencies", count, overdue)


def digest_job() -> None:
    """Give each member following group threads their weekly digest, as a notification."""
    from app.database import session_scope
    from app.groups.follows import send_weekly

    with session_scope() as db:
        sent = send_weekly(db=db)
    if sent:
        log.info("digest: %s weekly digests", sent)


def email_inbox_job() -> None:
    from app.clock import utcnow
    from app.newsletters.inbox import read_mailbox

    read_mailbox(now=utcnow())


JOBS = {
    "dispatch": dispatch_job,
    "email_inbox": email_inbox_job,
    "metrics": metrics_job,
    "comments": comments_job,
    "review": review_job,
    "digest": digest_job,
}


def _add_jobs(scheduler) -> None:
    settings = get_settings()
    every = {
        "dispatch": {"seconds": settings.dispatch_interval_seconds, "misfire_grace_time": None},
        "metrics": {"minutes": max(1, settings.metrics_refresh_minutes // 4)},
        "comments": {"minutes": 1},
        "review": {"minutes": 10},
        # Each member's digest comes a week after the last one; the round only finds who is due.
        "digest": {"hours": 6},
        "email_inbox": {"minutes": 5},
    }
    for name, job in JOBS.items():
        # coalesce + one instance: a slow round never runs twice at once; missed rounds collapse.
        scheduler.add_job(
            run_tracked,
            "interval",
            args=(name, job),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            **every[name],
        )


def start_background() -> BackgroundScheduler:
    """Run the jobs on threads of this process (the web server's default)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_jobs(scheduler)
    scheduler.start()
    return scheduler


def run_worker() -> None:
    """Run the jobs in the foreground until interrupted (`carepost worker`)."""
    scheduler = BlockingScheduler(timezone="UTC")
    _add_jobs(scheduler)
    log.info("worker started")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
