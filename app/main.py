"""The ASGI application: middleware, routers, static files and the health check."""

import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from app import http_errors
from app.accounts import routes as account_routes
from app.accounts import two_factor_routes
from app.analytics import routes as analytics_routes
from app.appointments import routes as appointment_routes
from app.audit import routes as audit_routes
from app.calls import routes as call_routes
from app.channels import routes as channel_routes
from app.contacts import routes as contact_routes
from app.database import ping
from app.delivery import routes as delivery_routes
from app.deps import csrf_protect
from app.followups import routes as followup_routes
from app.groups import routes as group_routes
from app.groups import thread_routes as group_thread_routes
from app.jobs import routes as job_routes
from app.middleware import RequestGuard
from app.network import people_routes as network_people_routes
from app.network import routes as network_routes
from app.newsletters import routes as newsletter_routes
from app.notifications import routes as notification_routes
from app.outreach import routes as outreach_routes
from app.planning import routes as planning_routes
from app.posts import routes as post_routes
from app.questions import routes as question_routes
from app.review import kinds
from app.review import routes as moderation_routes
from app.settings import get_settings
from app.sms import routes as sms_routes
from web.templating import WEB_DIR

log = logging.getLogger("carepost")
# Swagger UI from web/static (vendored swagger-ui-dist, see swagger-ui.LICENSE): /docs works offline
# and under the same Content-Security-Policy as every page (no inline script).
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>carepost API</title>
<link rel="stylesheet" href="/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script></body></html>
"""


@asynccontextmanager
async def lifespan(_app: FastAPI):
    """Run the dispatcher inside the web process unless CAREPOST_RUN_SCHEDULER=false (separate workers)."""
    scheduler = None
    if get_settings().run_scheduler:
        from scheduler.runner import start_background

        scheduler = start_background()
    yield
    if scheduler:
        scheduler.shutdown(wait=False)


def create_app() -> FastAPI:
    """Build the application from the current settings."""
    kinds.register_all()
    settings = get_settings()
    app = FastAPI(
        title="carepost",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(csrf_protect)],
        docs_url=None,
        redoc_url=None,
    )
    # Added first, so it runs inside the session middleware: error pages know the user's language.
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        respond=http_errors.respond,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret(),
        session_cookie="carepost_session",
        max_age=14 * 24 * 3600,
        same_site="lax",
        https_only=settings.cookie_secure,
    )

    http_errors.install(app)
    http_errors.document(app)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    for module in (
        account_routes,
        two_factor_routes,
        audit_routes,
        channel_routes,
        post_routes,
        planning_routes,
        notification_routes,
        group_routes,
        group_thread_routes,
        question_routes,
        network_routes,
        network_people_routes,
        moderation_routes,
        job_routes,
        contact_routes,
        appointment_routes,
        sms_routes,
        delivery_routes,
        call_routes,
        outreach_routes,
        followup_routes,
        newsletter_routes,
        analytics_routes,
    ):
        app.include_router(module.pages)
        app.include_router(module.api)

    @app.get("/docs", include_in_schema=False)
    def docs():
        return HTMLResponse(DOCS_PAGE)

    @app.get("/healthz", tags=["health"], responses={503: {"description": "database unreachable"}})
    def healthz():
        try:
            ping()
        except Exception as error:
            log.error("health check: database unreachable (%s)", type(error).__name__)
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return {"status": "ok", "database": "ok"}

    return app
