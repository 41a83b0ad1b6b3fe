"""Rendering: one layout for full pages, only the content block for htmx requests."""

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.responses import HTMLResponse

from app.clock import to_local
from app.deps import csrf_token
from app.i18n import LOCALES, N_, translator
from app.review import reasons
from app.settings import get_settings
from web.flash import pop_flashes
from web.icons import channel_icon
from web.navigation import can_open, nav_for

WEB_DIR = Path(__file__).parent
templates = Jinja2Templates(directory=WEB_DIR / "templates")
# {% trans %} blocks and ngettext; the callables of the reader's locale come with each render.
templates.env.add_extension("jinja2.ext.i18n")
templates.env.newstyle_gettext = True  # type: ignore[attr-defined]
templates.env.globals["N_"] = N_
templates.env.globals["channel_icon"] = channel_icon
# A moderation reason, translated phrase by phrase: {{ _(moderation_reason(text)) }}.
templates.env.globals["moderation_reason"] = reasons.shown


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
# Checking every template's file time on each render costs a stat per template; only worth it in development.
templates.env.auto_reload = get_settings().environment == "development"

# Route names to path templates, found once per app: FastAPI walks every router on each lookup.
_SENTINEL = 7_770_000_000


@lru_cache(maxsize=1024)
def _path_template(app, name: str, params: tuple[str, ...]) -> str:
    marks = {key: str(_SENTINEL + i) for i, key in enumerate(params)}
    path = str(app.url_path_for(name, **marks))
    for key, mark in marks.items():
        path = path.replace(mark, "{" + key + "}")
    return path


@pass_context
def url_for(context, name: str, /, **params) -> str:
    """The path of a named route (with the proxy's root path), like Starlette's but cached."""
    request = context["request"]
    path = _path_template(request.app, name, tuple(sorted(params)))
    if params:
        path = path.format_map({key: quote(str(value)) for key, value in params.items()})
    return request.scope.get("root_path", "") + path


templates.env.globals["url_for"] = url_for


def _language(locale: str) -> dict[str, Any]:
    """The gettext callables of locale as templates name them, and `label` for enum values."""
    translate = translator(locale)
    return {
        "_": translate,
        "gettext": translate.gettext,
        "ngettext": translate.ngettext,
        "pgettext": translate.pgettext,
        "npgettext": translate.npgettext,
        "label": translate.label,
    }


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page; htmx requests get only the content block."""
    user = getattr(request.state, "user", None)
    # A session that must still set up its second factor sees no menu: nothing else opens yet.
    must_enrol = getattr(request.state, "must_enrol", False)
    locale = request_locale(request)
    translate = translator(locale)

    def flashes() -> list[dict[str, str]]:
        # Popped only when a template shows them, so a fragment (the bell) cannot swallow them.
        return [
            {"kind": item["kind"], "text": translate(item["message"], **item.get("values", {}))}
            for item in pop_flashes(request)
        ]

    base = {
        "user": user,
        "nav": [] if must_enrol else nav_for(user),
        "must_enrol": must_enrol,
        "can_open": lambda route: can_open(user, route),
        "csrf_token": csrf_token(request),
        **_language(locale),
        "flashes": flashes,
        "locale": locale,
        "partial": request.headers.get("hx-request") == "true"
        and request.headers.get("hx-boosted") != "true",
        "practice_name": get_settings().practice_name,
    }
    return templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status_code
    )
