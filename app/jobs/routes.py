"""The scheduled jobs' health for admins: a page and its JSON."""

from fastapi import APIRouter, Request

from app.deps import AdminUser, SessionDep
from app.jobs import service as jobs
from app.jobs.models import JobStatus
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["health"])


@pages.get("/admin/jobs", name="job_list")
def job_list(request: Request, db: SessionDep, _admin: AdminUser):
    return render(request, "jobs/list.html", {"jobs": jobs.statuses(db=db)})


@api.get("/health/jobs", response_model=list[JobStatus])
def api_job_health(db: SessionDep, _admin: AdminUser):
    """Each scheduled job's last run, last success and the kind of its last error."""
    return jobs.statuses(db=db)
