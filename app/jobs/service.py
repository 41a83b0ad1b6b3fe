"""Recording each scheduled job's runs, and reading them back for admins."""

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.jobs.models import JobRun, JobStatus


def record(
    *, db: Session, name: str, started: datetime, finished: datetime, error: BaseException | None
) -> None:
    """Store one run of job `name`: its times and, when it failed, the exception's type only."""
    if error is None:
        values = {"last_success_at": finished, "failures_in_row": 0}
    else:
        values = {
            "last_error_at": finished,
            "last_error_kind": type(error).__name__[:100],
            "failures_in_row": JobRun.failures_in_row + 1,
        }
    values |= {"last_started_at": started, "last_finished_at": finished}
    if db.exec(update(JobRun).where(JobRun.name == name).values(**values)).rowcount:
        return
    try:
        with db.begin_nested():
            first = {k: (1 if k == "failures_in_row" and error else v) for k, v in values.items()}
            db.add(JobRun(name=name, **first))
    except IntegrityError:  # another process wrote the first row meanwhile
        db.exec(update(JobRun).where(JobRun.name == name).values(**values))


def statuses(*, db: Session) -> list[JobStatus]:
    """Every job that has run, by name; ok means its last run succeeded."""
    return [
        JobStatus(
            name=run.name,
            ok=run.failures_in_row == 0,
            last_started_at=run.last_started_at,
            last_success_at=run.last_success_at,
            last_error_at=run.last_error_at,
            last_error_kind=run.last_error_kind,
            failures_in_row=run.failures_in_row,
        )
        for run in db.exec(select(JobRun).order_by(JobRun.name))
    ]
