"""Log-in throttling per (account, address): growing waits, no lockout, forwarded headers only
from trusted proxies."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from app import settings
from app.accounts import service as accounts
from app.accounts import throttle
from app.accounts.models import Role
from app.clock import utcnow
from app.deps import client_ip
from app.errors import TooManyRequests
from tests.conftest import PASSWORD, csrf_of


class Clock:
    """A settable now for the throttle, so waits are stepped over instead of slept."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(throttle, "utcnow", fake)
    return fake


def _fail(db, username: str, ip: str, times: int = 1) -> None:
    for _ in range(times):
        assert (
            accounts.authenticate(db=db, username=username, password="wrong-guess", ip=ip) is None
        )


def test_the_owner_logs_in_from_another_address_after_many_failures(db, make_user, clock):
    admin = make_user(Role.admin)
    _fail(db, admin.username, "203.0.113.7", times=5)
    with pytest.raises(TooManyRequests):
        accounts.authenticate(db=db, username=admin.username, password=PASSWORD, ip="203.0.113.7")
    assert accounts.authenticate(db=db, username=admin.username, password=PASSWORD, ip="10.1.1.1")


def test_failures_on_many_accounts_do_not_block_others_behind_the_same_address(
    db, make_user, clock
):
    victims = [make_user(Role.patient) for _ in range(5)]
    colleague = make_user(Role.clinician)
    for victim in victims:
        _fail(db, victim.username, "198.51.100.1", times=4)
    _fail(db, "nobody-here", "198.51.100.1", times=5)
    assert accounts.authenticate(
        db=db, username=colleague.username, password=PASSWORD, ip="198.51.100.1"
    )


def test_waits_grow_after_the_free_failures_and_a_success_clears_them(db, make_user, clock):
    user = make_user(Role.patient)
    _fail(db, user.username, "192.0.2.9", times=5)
    waits = []
    for _ in range(3):
        with pytest.raises(TooManyRequests) as refused:
            accounts.authenticate(db=db, username=user.username, password=PASSWORD, ip="192.0.2.9")
        waits.append(refused.value.retry_after)
        clock.now += timedelta(seconds=refused.value.retry_after)
        _fail(db, user.username, "192.0.2.9")
    assert waits == [30, 60, 120]
    clock.now += timedelta(seconds=240)
    assert accounts.authenticate(db=db, username=user.username, password=PASSWORD, ip="192.0.2.9")
    _fail(db, user.username, "192.0.2.9")
    assert accounts.authenticate(db=db, username=user.username, password=PASSWORD, ip="192.0.2.9")


def test_waits_never_exceed_the_window(db, make_user, clock):
    user = make_user(Role.patient)
    for _ in range(15):
        clock.now += timedelta(hours=1)
        _fail(db, user.username, "192.0.2.10")
    with pytest.raises(TooManyRequests) as refused:
        accounts.authenticate(db=db, username=user.username, password=PASSWORD, ip="192.0.2.10")
    assert refused.value.retry_after == 15 * 60


def _login(client: TestClient, username: str, password: str, **headers):
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(client)},
        headers=headers,
    )


def test_forged_forwarded_for_does_not_reset_the_count(app, make_user):
    user = make_user(Role.patient)
    with TestClient(app, follow_redirects=False, client=("203.0.113.50", 4000)) as client:
        for n in range(5):
            _login(client, user.username, "wrong-guess", **{"X-Forwarded-For": f"10.0.0.{n}"})
        refused = _login(client, user.username, PASSWORD, **{"X-Forwarded-For": "10.9.9.9"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "too many failed log-ins" in refused.text and "Try again in 1 min." in refused.text


def test_the_form_explains_the_wait_in_the_users_language(app, make_user):
    user = make_user(Role.patient)
    with TestClient(app, follow_redirects=False, client=("203.0.113.51", 4000)) as client:
        client.post("/language", data={"lang": "es", "csrf_token": csrf_of(client)})
        for _ in range(5):
            _login(client, user.username, "wrong-guess")
        refused = _login(client, user.username, PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert "demasiados intentos fallidos" in refused.text and "Vuelve a intentarlo" in refused.text


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


def test_forwarded_for_is_ignored_without_trusted_proxies(db_url):
    assert client_ip(_request("127.0.0.1", "6.6.6.6")) == "127.0.0.1"


def test_forwarded_for_is_read_only_from_a_trusted_proxy(db_url, monkeypatch):
    monkeypatch.setenv("CAREPOST_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1")
    settings.get_settings.cache_clear()
    # The proxy appends the address it saw; anything the client wrote comes before it.
    assert client_ip(_request("10.0.0.5", "6.6.6.6, 198.51.100.23")) == "198.51.100.23"
    assert client_ip(_request("10.0.0.5", "198.51.100.23, 192.0.2.1")) == "198.51.100.23"
    assert client_ip(_request("203.0.113.9", "198.51.100.23")) == "203.0.113.9"
    assert client_ip(_request("10.0.0.5", "not-an-address")) == "10.0.0.5"


def test_a_bad_trusted_proxy_setting_is_refused(monkeypatch):
    monkeypatch.setenv("CAREPOST_TRUSTED_PROXIES", "10.0.0.0/8, proxy.example")
    with pytest.raises(settings.SettingsError, match="CAREPOST_TRUSTED_PROXIES"):
        settings.load_settings()


def test_the_server_does_not_let_uvicorn_rewrite_the_client_address(monkeypatch):
    import uvicorn

    from app import cli

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    cli._serve("127.0.0.1", 8000)
    assert seen["proxy_headers"] is False
