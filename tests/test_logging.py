"""Logs carry no query strings, message bodies, passwords or tokens."""

import logging

from app.accounts.models import Role
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
