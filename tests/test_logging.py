"""Logs carry no query strings, message bodies, passwords or tokens."""

import logging
import re
import threading
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient

from app import settings
from app.accounts import service as accounts
from app.accounts.models import Role
from app.database import session_scope
from tests.conftest import PASSWORD


def test_access_log_has_the_path_but_not_the_query_or_bodies(login_as, outbox, caplog):
    client, _user, csrf = login_as(Role.marketing)
    with caplog.at_level(logging.DEBUG):
        client.get("/admin/audit?actor=secret-search-term")
        client.post(
            "/api/posts",
            headers={"X-CSRF-Token": csrf},
            json={"text": "Paciente con VIH en tratamiento", "channels": ["Outbox"]},
        )
        client.post("/login", data={"username": "nobody", "password": PASSWORD, "csrf_token": csrf})
    # httpx's records are the test client's own requests, not the server's logs.
    logged = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "asyncio"))
    )
    assert "GET /admin/audit 403" in logged
    for secret in ("secret-search-term", "VIH", PASSWORD, csrf):
        assert secret not in logged


HEALTH_TEXT = "patient Juan Perez HbA1c 9.1 insulin"


@pytest.fixture
def app(db_url):
    """An application of this module's own (not the shared one): its tests add failing routes."""
    from app.main import create_app

    return create_app()


def _failing_routes(app):
    """Routes that fail the way a bug would: a SQL error quoting a post's text in its parameters."""
    from sqlalchemy import text

    from app.deps import SessionDep

    def fail(db):
        db.execute(text("INSERT INTO no_such_table (body) VALUES (:body)"), {"body": HEALTH_TEXT})

    @app.post("/api/forced-failure")
    def api_failure(db: SessionDep, data: dict):
        fail(db)

    @app.get("/forced-failure")
    def page_failure(db: SessionDep):
        fail(db)


@contextmanager
def served(app):
    """app under a real uvicorn server (its loggers propagating, as `carepost serve` sets up)."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


class Everything(logging.Handler):
    """Every record of every logger, formatted with its traceback as a log file would show it."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record):
        if not record.name.startswith(("httpx", "httpcore")):  # the test's own client
            self.lines.append(self.format(record))


@contextmanager
def every_log_line():
    handler = Everything()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)  # what `carepost serve` configures
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_an_unhandled_error_logs_its_type_route_and_request_id_but_no_body(app, make_user):
    _failing_routes(app)
    user = make_user(Role.marketing)
    with session_scope() as db:
        token = accounts.create_token(db=db, user=user, name="t")[1]
    with every_log_line() as lines, served(app) as base:
        response = httpx.post(
            f"{base}/api/forced-failure",
            json={"text": HEALTH_TEXT},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,  # a bound for a busy machine, not a timing claim
        )
    assert response.status_code == 500
    request_id = response.json()["request_id"]
    assert response.headers["x-request-id"] == request_id
    assert response.headers["x-content-type-options"] == "nosniff"
    logged = "\n".join(lines)
    # OperationalError on SQLite, ProgrammingError on PostgreSQL: the type is all that is said.
    pattern = rf"unhandled (Operational|Programming)Error on POST /api/forced-failure \(request {request_id}\)"
    assert re.search(pattern, logged), logged
    assert "POST /api/forced-failure 500" in logged  # the access-log line
    for leak in ("Juan", "HbA1c", "no_such_table", "Traceback", "INSERT"):
        assert leak not in logged, logged


def test_refused_requests_log_no_body(app, make_user, outbox):
    user = make_user(Role.clinician, verified=True)
    with session_scope() as db:
        token = accounts.create_token(db=db, user=user, name="t")[1]
    headers = {"Authorization": f"Bearer {token}"}
    with every_log_line() as lines, served(app) as base:
        answers = [
            httpx.post(
                f"{base}/api/network/posts",
                json={"kind": "x", "text": HEALTH_TEXT},
                headers=headers,
            ),
            httpx.post(
                f"{base}/api/posts", json={"text": HEALTH_TEXT, "channels": [1]}, headers=headers
            ),
            httpx.post(
                f"{base}/api/network/posts",
                content=f'{{"text": "{HEALTH_TEXT}\\u0000"}}',
                headers={**headers, "content-type": "application/json"},
            ),
            httpx.get(f"{base}/api/posts/99999", params={"q": HEALTH_TEXT}, headers=headers),
        ]
    assert [a.status_code for a in answers] == [422, 403, 422, 404]
    logged = "\n".join(lines)
    assert "POST /api/network/posts 422" in logged
    for leak in ("Juan", "HbA1c", token):
        assert leak not in logged, logged


def test_the_error_page_is_in_the_users_language_with_the_request_id(app, monkeypatch):
    monkeypatch.setenv("CAREPOST_LOCALE", "es")
    settings.get_settings.cache_clear()
    _failing_routes(app)
    with TestClient(app) as client, every_log_line():
        response = client.get("/forced-failure")
    assert response.status_code == 500
    assert "Algo ha fallado por nuestra parte" in response.text
    assert response.headers["x-request-id"] in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
