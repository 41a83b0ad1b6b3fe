"""The outermost layer every request passes: a request id, the body cap, the NUL-byte refusal, security
headers, the access-log line, and the last-resort answer to an exception nothing else handled."""

import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import N_

log = logging.getLogger("carepost.http")
access_log = logging.getLogger("carepost.access")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'",
}
# A NUL character in a JSON string: "\u0000" after an even number of backslashes (an odd number
# would make the backslash itself the escaped character).
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
URL_NUL = re.compile(rb"%00")


TOO_LARGE = N_("the request is too large")
NUL_IN_ADDRESS = N_("the address contains a NUL character")
NUL_IN_BODY = N_("the request contains a NUL character")


class Refused(Exception):
    """The request is answered without reaching a route (413 or 422)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def has_nul(data: bytes, content_type: str) -> bool:
    """Whether a request part carries a NUL character, literally or encoded for its media type."""
    if b"\x00" in data:
        return True
    if content_type.startswith("application/json") or content_type.endswith("+json"):
        return JSON_NUL.search(data) is not None
    if content_type.startswith("application/x-www-form-urlencoded"):
        return URL_NUL.search(data) is not None
    return False


def route_of(scope: Scope) -> str:
    """The matched route's template (/api/posts/{post_id}), else the path."""
    return getattr(scope.get("route"), "path", None) or scope.get("path", "")


class RequestGuard:
    """Pure ASGI middleware; error responses come from respond(request, status, message, headers)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int,
        respond: Callable[[Request, int, str, dict[str, str] | None], Awaitable[Response]],
    ):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        sent = {"status": 0, "swallow": False}

        async def send_with_headers(message: Message) -> None:
            if sent["swallow"]:
                return
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers["X-Request-ID"] = request_id
            await send(message)

        try:
            await self._serve(scope, receive, send_with_headers, sent)
        except Refused as refusal:
            await self._answer(scope, sent, send_with_headers, refusal.status, refusal.message)
        except Exception as error:  # noqa: BLE001 - the last resort: nothing may reach the server's log
            if sent.get("too_large"):  # the route failed on the body cut off at the cap
                await self._answer(scope, sent, send_with_headers, 413, TOO_LARGE)
                return
            # Only the type, the route and the request id: messages and arguments may carry
            # message bodies or health data (SQL errors quote their bound parameters).
            log.error(
                "unhandled %s on %s %s (request %s)",
                type(error).__name__,
                scope.get("method"),
                route_of(scope),
                request_id,
            )
            await self._answer(scope, sent, send_with_headers, 500, "")
        finally:
            # Path only: query strings can carry OAuth codes, search terms or health details.
            access_log.info(
                "%s %s %s %.0fms %s",
                scope.get("method"),
                scope.get("path"),
                sent["status"] or 500,
                (time.perf_counter() - started) * 1000,
                request_id,
            )

    async def _serve(self, scope: Scope, receive: Receive, send: Send, sent: dict) -> None:
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        if has_nul(scope.get("query_string", b""), "application/x-www-form-urlencoded") or (
            b"%00" in (scope.get("raw_path") or b"")
        ):
            raise Refused(422, NUL_IN_ADDRESS)
        upload = content_type.startswith("multipart/form-data")
        limit = self.max_upload_bytes if upload else self.max_body_bytes
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            raise Refused(413, TOO_LARGE)
        if upload:
            await self.app(scope, self._counting(receive, limit, sent), send)
            if sent.get("too_large"):
                sent["swallow"] = False
                raise Refused(413, TOO_LARGE)
            return
        body = await self._read_body(receive, limit)
        if body and has_nul(body, content_type):
            raise Refused(422, NUL_IN_BODY)
        await self.app(scope, self._replay(body, receive), send)

    @staticmethod
    async def _read_body(receive: Receive, limit: int) -> bytes:
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise Refused(413, TOO_LARGE)
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    @staticmethod
    def _replay(body: bytes, receive: Receive) -> Receive:
        pending = [{"type": "http.request", "body": body, "more_body": False}]

        async def replay() -> Message:
            return pending.pop() if pending else await receive()

        return replay

    @staticmethod
    def _counting(receive: Receive, limit: int, sent: dict) -> Receive:
        size = 0

        async def counting() -> Message:
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            if size > limit:
                # Whatever the route answers to the cut-off body is dropped for the 413.
                sent["too_large"] = sent["swallow"] = True
                raise Refused(413, TOO_LARGE)
            return message

        return counting

    async def _answer(self, scope: Scope, sent: dict, send: Send, status: int, message: str):
        if sent["status"]:
            return  # the response had begun: nothing more can be said
        sent["swallow"] = False
        response = await self.respond(Request(scope), status, message, None)
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
