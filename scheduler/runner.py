"""APScheduler wiring: the dispatcher and metrics jobs, in the web process or in `carepost worker`."""

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from app.settings import get_settings

log = logging.getLogger("carepost.scheduler")


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

    refresh()


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
    """Escalate review items that waited too long (never silently dropped)."""
    from app.database import session_scope
    from moderation.review import escalate_stale

    with session_scope() as db:
        count = escalate_stale(db)
    if count:
        log.info("review: escalated %s stale items", count)


def _add_jobs(scheduler) -> None:
    settings = get_settings()
    # coalesce + one instance: a slow round is never run twice at once, and missed rounds collapse into one.
    scheduler.add_job(
        dispatch_job,
        "interval",
        seconds=settings.dispatch_interval_seconds,
        id="dispatch",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.add_job(
        metrics_job,
        "interval",
        minutes=max(1, settings.metrics_refresh_minutes // 4),
        id="metrics",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        comments_job, "interval", minutes=1, id="comments", max_instances=1, coalesce=True
    )
    scheduler.add_job(
        review_job, "interval", minutes=10, id="review", max_instances=1, coalesce=True
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
