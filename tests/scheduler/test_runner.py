"""Scheduled jobs: quiet logs when nothing happens, one counted line when something does, and every
run recorded so a failing job shows to admins (by the kind of its error, never its message)."""

import logging

import pytest
from apscheduler.executors.base import run_job
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import InvalidRequestError

from app.accounts.models import Role
from app.clock import utcnow
from app.database import session_scope
from app.jobs import service as jobs
from scheduler import runner

SECRET = "Paciente Juan Perez HbA1c 9.1"


@pytest.fixture
def scheduled():
    """The jobs as the scheduler holds them (not started: each run is made by the test)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    runner._add_jobs(scheduler)
    return {job.id: job for job in scheduler.get_jobs()}


def run(job) -> None:
    """Run a job the way APScheduler's executor does, with its logging."""
    run_job(job, "default", [utcnow()], "apscheduler.executors.default")


def info_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]


def test_an_idle_dispatch_round_logs_nothing_and_a_busy_one_logs_one_line_of_counts(
    scheduled, outbox, new_post, caplog
):
    caplog.set_level(logging.INFO)
    run(scheduled["dispatch"])
    run(scheduled["dispatch"])
    assert info_lines(caplog) == []

    new_post([outbox], text=SECRET)
    run(scheduled["dispatch"])
    assert info_lines(caplog) == ["dispatch: claimed 1, published 1, failed 0, recovered 0"]


def test_apscheduler_run_lines_show_when_carepost_logs_at_debug(scheduled, outbox, caplog):
    caplog.set_level(logging.DEBUG)
    run(scheduled["dispatch"])
    routine = [r for r in caplog.records if r.name.startswith("apscheduler")]
    assert routine and {r.levelname for r in routine} == {"DEBUG"}
    assert any("executed successfully" in r.getMessage() for r in routine)


def test_a_failing_job_is_recorded_by_its_kind_and_shown_to_admins(db_url, login_as, caplog):
    def broken() -> None:
        raise InvalidRequestError(f"Instance <Channel> is not present ({SECRET})")

    with caplog.at_level(logging.DEBUG):
        runner.run_tracked("comments", broken)
        runner.run_tracked("comments", broken)
        runner.run_tracked("metrics", lambda: None)
    assert SECRET not in caplog.text and "comments job failed: InvalidRequestError" in caplog.text

    with session_scope() as db:
        comments, metrics = jobs.statuses(db=db)
    assert (comments.name, comments.ok, comments.failures_in_row) == ("comments", False, 2)
    assert comments.last_error_kind == "InvalidRequestError" and comments.last_success_at is None
    assert metrics.ok and metrics.last_success_at is not None

    admin, _a, _csrf = login_as(Role.admin)
    page = admin.get("/admin/jobs").text
    assert "InvalidRequestError" in page and "failing" in page and SECRET not in page
    health = admin.get("/api/health/jobs").json()
    assert [(j["name"], j["ok"], j["last_error_kind"]) for j in health] == [
        ("comments", False, "InvalidRequestError"),
        ("metrics", True, None),
    ]
    assert SECRET not in str(health)
    patient, _p, _c = login_as(Role.patient)
    assert patient.get("/admin/jobs").status_code == 403
    assert patient.get("/api/health/jobs").status_code == 403

    runner.run_tracked("comments", lambda: None)
    with session_scope() as db:
        comments, _metrics = jobs.statuses(db=db)
    assert comments.ok and comments.failures_in_row == 0
    assert comments.last_error_kind == "InvalidRequestError"  # the last error stays on record
