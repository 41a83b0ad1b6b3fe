"""The HTTP layer: Nagle's algorithm off, body caps, NUL refusal, offline docs, the SQLite file's
mode and its busy answer."""

import asyncio
import itertools
import socket
import sqlite3
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app import database, settings
from app.accounts import service as accounts
from app.accounts.models import Role
from app.database import session_scope
from app.server import NoDelayH11Protocol
from app.settings import get_settings
from tests.conftest import login
from web.templating import WEB_DIR


class Transport:
    def __init__(self, sock):
        self.sock = sock

    def get_extra_info(self, name, default=None):
        return {
            "socket": self.sock,
            "peername": ("127.0.0.1", 1),
            "sockname": ("127.0.0.1", 2),
        }.get(name, default)

    def is_closing(self):
        return False


def test_accepted_connection_gets_tcp_nodelay():
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    # A listening socket bound like uvicorn binds it for several workers: protocol number 0.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    # The protocol asks for the current loop: give it one of its own, whatever ran before.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        config = Config(app=None)
        config.load()
        protocol = NoDelayH11Protocol(config=config, server_state=ServerState(), app_state={})
        protocol.connection_made(Transport(accepted))
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        asyncio.set_event_loop(None)
        loop.close()
        for s in (client, accepted, listener):
            s.close()


def _asgi_post(app, *, path, headers, chunks):
    """POST to app over ASGI, the body sent as chunks; returns (status, chunks the app pulled)."""
    pulled = 0
    status = {}

    async def receive():
        nonlocal pulled
        try:
            chunk = next(chunks)
        except StopIteration:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        if message["type"] == "http.response.start":
            status["code"] = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    # A thread of its own: a browser or fuzzing test earlier in this process may have left an event
    # loop marked running in the main thread, and asyncio refuses to nest loops.
    with ThreadPoolExecutor(max_workers=1) as runner:
        runner.submit(asyncio.run, app(scope, receive, send)).result()
    return status["code"], pulled


def test_an_endless_json_body_is_cut_off_at_the_cap_with_a_413(app):
    endless = (b"x" * 1024 for _ in itertools.count())
    status, pulled = _asgi_post(
        app, path="/api/posts", headers={"content-type": "application/json"}, chunks=endless
    )
    assert status == 413
    assert pulled <= get_settings().max_body_bytes // 1024 + 1


def test_a_declared_100_mb_body_is_refused_before_any_of_it_is_read(app):
    endless = (b"x" * 1024 for _ in itertools.count())
    status, pulled = _asgi_post(
        app,
        path="/api/posts",
        headers={"content-type": "application/json", "content-length": str(100 * 1024 * 1024)},
        chunks=endless,
    )
    assert (status, pulled) == (413, 0)


def test_an_endless_upload_without_a_length_is_cut_off_at_the_upload_cap(app):
    chunk = 64 * 1024
    head = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
    endless = itertools.chain([head], (b"x" * chunk for _ in itertools.count()))
    status, pulled = _asgi_post(
        app,
        path="/posts-import",
        headers={"content-type": "multipart/form-data; boundary=xyz"},
        chunks=endless,
    )
    assert status == 413
    assert pulled <= get_settings().max_upload_bytes // chunk + 2


def test_an_upload_may_be_larger_than_a_json_body_but_not_larger_than_the_upload_cap(
    db_url, monkeypatch, make_user
):
    monkeypatch.setenv("CAREPOST_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("CAREPOST_MAX_UPLOAD_BYTES", str(64 * 1024))
    settings.get_settings.cache_clear()
    from app.main import create_app

    client = TestClient(create_app(), follow_redirects=False)
    csrf = login(client, make_user(Role.marketing).username)
    csv = "date,time,channels,text,link\n"
    within = client.post(
        "/posts-import",
        data={"csrf_token": csrf},
        files={"file": ("posts.csv", (csv + "#" * 10_000).encode(), "text/csv")},
    )
    beyond = client.post(
        "/posts-import",
        data={"csrf_token": csrf},
        files={"file": ("posts.csv", (csv + "#" * 100_000).encode(), "text/csv")},
    )
    assert within.status_code != 413
    assert beyond.status_code == 413
    assert beyond.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "request_args",
    [
        {"json": {"text": "a\u0000b", "channels": []}},
        {"content": b'{"text": "a\\u0000b"}'},
        {"content": b'{"text": "a\\\\\\u0000b"}'},
        {"params": {"q": "a\x00b"}},
    ],
)
def test_a_nul_character_anywhere_in_the_input_is_a_422(client, make_user, request_args):
    user = make_user(Role.marketing)
    with session_scope() as db:
        token = accounts.create_token(db=db, user=user, name="t")[1]
    response = client.post(
        "/api/posts",
        headers={"Authorization": f"Bearer {token}", "content-type": "application/json"},
        **request_args,
    )
    assert response.status_code == 422
    assert "NUL" in response.json()["detail"]


def test_an_escaped_backslash_before_u0000_is_ordinary_text(client, make_user, outbox):
    user = make_user(Role.marketing)
    with session_scope() as db:
        token = accounts.create_token(db=db, user=user, name="t")[1]
    response = client.post(
        "/api/posts",
        headers={"Authorization": f"Bearer {token}", "content-type": "application/json"},
        content=b'{"text": "C:\\\\u0000 is a path", "channels": [%d]}' % outbox.id,
    )
    assert response.status_code == 201


def test_a_nul_character_in_a_form_is_a_422(login_as):
    client, _user, csrf = login_as(Role.patient)
    response = client.post("/account", data={"display_name": "a\x00b", "csrf_token": csrf})
    assert response.status_code == 422
    assert "NUL character" in response.text


def test_docs_work_offline_from_vendored_swagger_ui(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text and "http" not in page.text
    assert "<script>" not in page.text  # no inline script: the page keeps the CSP
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-init.js"):
        assert f"/static/{asset}" in page.text
        assert client.get(f"/static/{asset}").status_code == 200
    licence = (WEB_DIR / "static" / "swagger-ui.LICENSE").read_text()
    assert "swagger-ui-dist 5." in licence and "Apache License" in licence


def test_a_new_sqlite_database_and_its_wal_files_are_private(tmp_path):
    path = tmp_path / "fresh.db"
    engine = database.make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        files = [path, tmp_path / "fresh.db-wal", tmp_path / "fresh.db-shm"]
        assert all(f.exists() for f in files)
        modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
    engine.dispose()
    assert modes == {f.name: 0o600 for f in files}


def test_an_existing_world_readable_sqlite_file_is_narrowed_on_connect(tmp_path):
    path = tmp_path / "old.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    engine = database.make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_writer_blocked_by_the_sqlite_lock_gets_a_503_with_retry_after(
    db_url, monkeypatch, make_user
):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_SECONDS", 0.2)
    database.get_engine.cache_clear()
    user = make_user(Role.marketing)
    with session_scope() as db:
        token = accounts.create_token(db=db, user=user, name="t")[1]
    from app.main import create_app

    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")
    try:
        with TestClient(create_app()) as client:
            response = client.post(
                "/api/tokens", json={"name": "second"}, headers={"Authorization": f"Bearer {token}"}
            )
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
    assert "busy" in response.json()["detail"]
    assert response.json()["request_id"]
