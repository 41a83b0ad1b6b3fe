"""One place that turns every error into one answer (JSON for the API, a page otherwise), in one shape
that the OpenAPI schema publishes."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import database
from app.deps import get_optional_user
from app.errors import DomainError, LoginRequired, TooManyRequests, TwoFactorSetupRequired
from app.i18n import N_, Message, translator
from web.forms import describe_errors
from web.templating import render, request_locale

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
BUSY_MESSAGE = N_("The database is busy; try again in a few seconds.")
BUSY_RETRY_SECONDS = 5
# PostgreSQL SQLSTATEs that mean "try again": lock not available, deadlock, serialization failure.
RETRYABLE_SQLSTATES = {"55P03", "40P01", "40001"}
# Input the database refuses: text with NUL, a number out of the column's range, text too long.
INPUT_SQLSTATES = {"22P05", "22003", "22001", "22021"}


class ErrorItem(BaseModel):
    """One problem of a request that failed validation."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every 4xx and 5xx answer of the API has this shape."""

    detail: str
    field: str | None = None
    errors: list[ErrorItem] | None = None
    request_id: str | None = None


def wants_json(request: Request) -> bool:
    path = request.url.path
    return (
        path.startswith("/api")
        or path == "/healthz"
        or path == "/openapi.json"
        or "application/json" in request.headers.get("accept", "")
    )


def request_id_of(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


def _locale(request: Request) -> str:
    try:
        return request_locale(request)
    except Exception:  # noqa: BLE001 - no session or a detached user: the practice's language
        from app.settings import get_settings

        return get_settings().locale


def _find_reader(request: Request) -> None:
    """Who reads an error page that no route answered (an unknown address), for its language."""
    if hasattr(request.state, "user") or "sid" not in request.session:
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
    errors: list[dict] | None = None,
) -> Response:
    """The error answer: ErrorBody as JSON for API clients, the error page for browsers."""
    request_id = request_id_of(request)
    if status == 500 or not message:
        message = translator(_locale(request))(PAGE_MESSAGES.get(status, PAGE_MESSAGES[500]))
    if wants_json(request):
        body = ErrorBody(detail=message, field=field, errors=errors, request_id=request_id)
        return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)
    _find_reader(request)
    page_message = PAGE_MESSAGES.get(status, message) if status in (404, 500) else message
    page_message = STARLETTE_DETAILS.get(str(page_message), page_message)
    page_message = translator(_locale(request))(page_message)
    try:
        response = render(
            request,
            "error.html",
            {"status_code": status, "message": page_message, "request_id": request_id},
            status,
        )
    except Exception:  # noqa: BLE001 - the page itself failed (e.g. a user object gone stale)
        log.warning("error page for %s could not be rendered; plain page sent", status)
        response = HTMLResponse(
            f"<!doctype html><title>{status}</title><h1>{status}</h1>"
            f"<p>{page_message}</p><p>{request_id or ''}</p>",
            status_code=status,
        )
    response.headers.update(headers or {})
    return response


async def respond(
    request: Request, status: int, message: str, headers: dict[str, str] | None
) -> Response:
    """error_response for the outermost middleware (413, NUL refusals, the last-resort 500)."""
    return error_response(request, status, message, headers=headers)


def _errors_of(error: RequestValidationError | ValidationError) -> list[dict]:
    return [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in error.errors()
    ]


def _database_error(request: Request, error: StatementError) -> Response:
    """Refusals the database makes that are about the input or the moment, never a 500."""
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None)
    text = str(original).lower() if original is not None else ""
    route = getattr(request.scope.get("route"), "path", request.url.path)
    if sqlstate in RETRYABLE_SQLSTATES or "database is locked" in text or "is busy" in text:
        log.warning("database busy (%s) on %s %s", type(original).__name__, request.method, route)
        return error_response(
            request, 503, BUSY_MESSAGE, headers={"Retry-After": str(BUSY_RETRY_SECONDS)}
        )
    if sqlstate in INPUT_SQLSTATES or "nul (0x00)" in text:
        # The routes' own validation should have caught this; the type and route say where.
        log.warning("input refused by the database (%s) on %s", type(original).__name__, route)
        return error_response(request, 422, N_("a value is too long, too large or not valid text"))
    raise error


def install(app: FastAPI) -> None:
    """Register the handlers on app."""

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _error: LoginRequired):
        if wants_json(request):
            return error_response(
                request,
                401,
                "log in or send a valid bearer token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = f"/login?next={request.url.path}"
        if request.headers.get("hx-request"):
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(TwoFactorSetupRequired)
    async def _two_factor_setup(request: Request, _error: TwoFactorSetupRequired):
        if wants_json(request):
            message = translator(_locale(request))(N_("set up two-factor sign-in first"))
            return error_response(request, 403, message)
        target = "/account/two-factor"
        if request.headers.get("hx-request"):
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, error: DomainError):
        headers = (
            {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyRequests) else None
        )
        message = error.translated(translator(_locale(request)))
        return error_response(request, error.status_code, message, error.field, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError):
        errors = _errors_of(error)
        if errors and all(e["loc"][:1] == ["path"] for e in errors):
            # An id that cannot name a row (not a number, or beyond the column's range).
            return error_response(request, 404, N_("not found"))
        # A validator's own message (a catalogue key) reaches the user in their language.
        translate = translator(_locale(request))
        for item in errors:
            item["msg"] = translate(item["msg"].removeprefix("Value error, "))
        field = str(errors[0]["loc"][-1]) if errors and errors[0]["loc"] else None
        return error_response(request, 422, describe_errors(errors), field, errors=errors)

    @app.exception_handler(ValidationError)
    async def _model_error(request: Request, error: ValidationError):
        # A form turned into a schema inside a route: the same 422 as a bad JSON body.
        errors = _errors_of(error)
        field = str(errors[0]["loc"][-1]) if errors and errors[0]["loc"] else None
        return error_response(request, 422, describe_errors(errors), field, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException):
        detail = error.detail if isinstance(error.detail, str) else N_("request not accepted")
        message = Message(detail)
        return error_response(
            request, error.status_code, message, headers=getattr(error, "headers", None)
        )

    @app.exception_handler(StatementError)
    async def _statement_error(request: Request, error: StatementError):
        return _database_error(request, error)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, error: OverflowError):
        # A number or time beyond what Python, SQLite or a date can hold: the input's fault. The
        # routes' own validation should have caught it; the route in the log says where.
        route = getattr(request.scope.get("route"), "path", request.url.path)
        log.warning("overflow (%s) on %s %s", type(error).__name__, request.method, route)
        return error_response(request, 422, N_("a value is too long, too large or not valid text"))


ERROR_STATUSES = {
    400: "The request cannot be understood.",
    401: "No valid session or bearer token.",
    403: "The caller's role does not allow this.",
    404: "No such object, or not visible to the caller.",
    409: "The object changed or exists already.",
    413: "The request body is larger than the server accepts.",
    422: "The input is not valid; `errors` lists each problem.",
    429: "Too many requests; `Retry-After` says when to try again.",
    503: "The database is busy; `Retry-After` says when to try again.",
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}


def document(app: FastAPI) -> None:
    """Publish ErrorBody as the answer of every error status of every API operation."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error_schema.pop("$defs", {}))
        components["ErrorBody"] = error_schema
        for path, operations in schema.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    answer: dict = {
                        "description": description,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ErrorBody"}
                            }
                        },
                    }
                    if status in (429, 503):
                        answer["headers"] = RETRY_AFTER
                    responses[str(status)] = answer
                operation["responses"] = dict(sorted(responses.items()))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
