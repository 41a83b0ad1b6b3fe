"""One place that turns every error into a clear 4xx (JSON for the API, a page otherwise)."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import database
from app.deps import get_optional_user
from app.errors import DomainError, LoginRequired, TooManyRequests
from app.i18n import N_, Message
from web.forms import describe_errors
from web.templating import render

log = logging.getLogger("carepost.http")

PAGE_MESSAGES = {
    403: N_("You do not have access to this page."),
    404: N_("Page not found."),
    500: N_("Something went wrong on our side. It has been logged."),
}
# Starlette's own details for statuses the app does not raise itself.
STARLETTE_DETAILS = {
    "Not Found": N_("Page not found."),
    "Method Not Allowed": N_("This address does not accept that kind of request."),
    "Request Entity Too Large": N_("What was sent is too large."),
}


def wants_json(request: Request) -> bool:
    path = request.url.path
    return (
        path.startswith("/api")
        or path == "/healthz"
        or "application/json" in request.headers.get("accept", "")
    )


def _find_reader(request: Request) -> None:
    """Who reads an error page that no route answered (an unknown address), for its language."""
    if hasattr(request.state, "user") or "uid" not in request.session:
        return
    try:
        with database.session_scope() as db:
            get_optional_user(request, db)
    except Exception:  # the page still renders, in the practice's language
        request.state.user = None


def error_response(
    request: Request,
    status: int,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if wants_json(request):
        body = {"detail": message} | ({"field": field} if field else {})
        return JSONResponse(body, status_code=status, headers=headers)
    _find_reader(request)
    page_message = PAGE_MESSAGES.get(status, message) if status in (404, 500) else message
    page_message = STARLETTE_DETAILS.get(str(page_message), page_message)
    response = render(
        request, "error.html", {"status_code": status, "message": page_message}, status
    )
    response.headers.update(headers or {})
    return response


def install(app: FastAPI) -> None:
    """Register the handlers on app."""

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _error: LoginRequired):
        if wants_json(request):
            return JSONResponse(
                {"detail": "log in or send a valid bearer token"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = f"/login?next={request.url.path}"
        if request.headers.get("hx-request"):
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, error: DomainError):
        headers = (
            {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyRequests) else None
        )
        return error_response(request, error.status_code, error.message, error.field, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError):
        message = describe_errors(error.errors())
        errors = [
            {k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in error.errors()
        ]
        if wants_json(request):
            return JSONResponse({"detail": message, "errors": errors}, status_code=422)
        return error_response(request, 422, message)

    @app.exception_handler(ValidationError)
    async def _model_error(request: Request, error: ValidationError):
        # A form turned into a schema inside a route: the same 422 as a bad JSON body.
        errors = error.errors()
        message = describe_errors(errors)
        field = str(errors[0]["loc"][-1]) if errors and errors[0].get("loc") else None
        return error_response(request, 422, message, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException):
        detail = error.detail if isinstance(error.detail, str) else N_("request not accepted")
        message = Message(detail)
        return error_response(
            request, error.status_code, message, headers=getattr(error, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception):
        # Only the type and the route: arguments may carry message bodies or health data.
        log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.url.path)
        return error_response(request, 500, N_("internal error; it has been logged"))
