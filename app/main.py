"""The ASGI application: middleware, routers, static files and the health check."""

import logging
import time
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from app import http_errors
from app.accounts import routes as account_routes
from app.appointments import routes as appointment_routes
from app.audit import routes as audit_routes
from app.channels import routes as channel_routes
from app.contacts import routes as contact_routes
from app.database import ping
from app.deps import csrf_protect
from app.groups import routes as group_routes
from app.jobs import routes as job_routes
from app.network import routes as network_routes
from app.notifications import routes as notification_routes
from app.posts import routes as post_routes
from app.questions import routes as question_routes
from app.settings import get_settings
from app.sms import routes as sms_routes
from moderation import routes as moderation_routes
from web.templating import WEB_DIR

log = logging.getLogger("carepost")
access_log = logging.getLogger("carepost.access")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'",
}


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
    settings = get_settings()
    app = FastAPI(
        title="carepost", version="0.1.0", lifespan=lifespan, dependencies=[Depends(csrf_protect)]
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret(),
        session_cookie="carepost_session",
        max_age=14 * 24 * 3600,
        same_site="lax",
        https_only=settings.cookie_secure,
    )

    @app.middleware("http")
    async def security_headers(request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        if not request.url.path.startswith(("/docs", "/redoc")):
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
        # Path only: query strings can carry OAuth codes, search terms or health details.
        access_log.info(
            "%s %s %s %.0fms",
            request.method,
            request.url.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

    http_errors.install(app)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    for module in (
        account_routes,
        audit_routes,
        channel_routes,
        post_routes,
        notification_routes,
        group_routes,
        question_routes,
        network_routes,
        moderation_routes,
        job_routes,
        contact_routes,
        appointment_routes,
        sms_routes,
    ):
        app.include_router(module.pages)
        app.include_router(module.api)

    @app.get("/healthz", tags=["health"])
    def healthz():
        try:
            ping()
        except Exception as error:
            log.error("health check: database unreachable (%s)", type(error).__name__)
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return {"status": "ok", "database": "ok"}

    return app
