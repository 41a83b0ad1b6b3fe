"""The admin's audit log page and its API."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request

from app.audit import service as audit
from app.audit.models import AuditEventPublic
from app.clock import AwareInstant
from app.deps import MAX_ID, AdminUser, SessionDep
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["audit"])
PAGE_SIZE = 50


@pages.get("/admin/audit", name="audit_page")
def audit_page(
    request: Request,
    db: SessionDep,
    _admin: AdminUser,
    action: str = "",
    actor: str = "",
    object_type: str = "",
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
):
    filters = {"action": action, "actor": actor, "object_type": object_type}
    events = audit.list_events(db=db, before_id=before, limit=PAGE_SIZE, **filters)
    next_cursor = events[-1].id if len(events) == PAGE_SIZE else None
    context = {
        "events": events,
        "filters": filters,
        "actions": audit.known_actions(db),
        "next_cursor": next_cursor,
        "next_query": urlencode(
            {**{k: v for k, v in filters.items() if v}, "before": next_cursor or ""}
        ),
    }
    return render(request, "audit/list.html", context)


@api.get("/audit", response_model=list[AuditEventPublic])
def api_audit(
    db: SessionDep,
    _admin: AdminUser,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    since: AwareInstant | None = None,
    until: AwareInstant | None = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: int = 50,
):
    return audit.list_events(
        db=db,
        action=action,
        actor=actor,
        object_type=object_type,
        since=since,
        until=until,
        before_id=before,
        limit=max(1, min(limit, 500)),
    )
