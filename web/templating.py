"""Rendering: one layout for full pages, only the content block for htmx requests."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from app.clock import to_local
from app.deps import csrf_token
from app.i18n import LOCALES, translator
from app.settings import get_settings
from web.navigation import nav_for

WEB_DIR = Path(__file__).parent
templates = Jinja2Templates(directory=WEB_DIR / "templates")


def request_locale(request: Request) -> str:
    """The user's language, else the one picked on the login page, else the practice's."""
    user = getattr(request.state, "user", None)
    for choice in (getattr(user, "locale", None), request.session.get("lang")):
        if choice in LOCALES:
            return choice
    return get_settings().locale


def local_time(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(value, get_settings().zone).strftime(fmt) if value else ""


templates.env.filters["local"] = local_time


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page; htmx requests get only the content block."""
    user = getattr(request.state, "user", None)
    locale = request_locale(request)
    base = {
        "user": user,
        "nav": nav_for(user),
        "csrf_token": csrf_token(request),
        "_": translator(locale),
        "locale": locale,
        "partial": request.headers.get("hx-request") == "true"
        and request.headers.get("hx-boosted") != "true",
        "practice_name": get_settings().practice_name,
    }
    return templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status_code
    )
