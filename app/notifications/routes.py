"""The bell (polled by htmx), the notifications page and its API."""

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from app.deps import CurrentUser, SessionDep
from app.notifications import service as notifications
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["notifications"])


@pages.get("/notifications", name="notification_list")
def notification_list(request: Request, db: SessionDep, user: CurrentUser):
    items = notifications.recent(db=db, user_id=user.id)
    return render(request, "notifications/list.html", {"items": items})


@pages.get("/notifications/bell", name="notification_bell")
def notification_bell(request: Request, db: SessionDep, user: CurrentUser):
    return render(
        request,
        "notifications/_bell.html",
        {"unread": notifications.unread_count(db=db, user_id=user.id)},
    )


@pages.post("/notifications/read", name="notification_read")
def notification_read(db: SessionDep, user: CurrentUser):
    notifications.mark_all_read(db=db, user_id=user.id)
    return RedirectResponse("/notifications", status_code=303)


class NotificationPublic(BaseModel):
    id: int
    kind: str
    message: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


@api.get("/notifications", response_model=list[NotificationPublic])
def api_notifications(db: SessionDep, user: CurrentUser):
    return [
        NotificationPublic.model_validate(n, from_attributes=True)
        for n in notifications.recent(db=db, user_id=user.id)
    ]
