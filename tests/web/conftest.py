"""Browser fixtures: the real `carepost demo` server in a subprocess and headless Chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("CAREPOST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def demo_server(folder: Path, shipped_model_folder: Path, **extra_env: str):
    """`carepost demo` serving a fresh SQLite database in folder on a free loopback port."""
    shutil.copytree(shipped_model_folder, folder / "models" / "shipped")
    (folder / "models" / "ACTIVE").write_text("shipped")
    port = _free_port()
    # The demo's admin and clinician sign in with a password alone here, so every test can log
    # them in again within the same 30 s (a code is accepted once); test_two_factor_browser.py
    # proves the second factor on an account of its own.
    env = {
        **os.environ,
        "CAREPOST_LOCALE": "en",
        "CAREPOST_DATA_DIR": str(folder),
        "CAREPOST_TWO_FACTOR_ROLES": "",
        **extra_env,
    }
    env.pop("DATABASE_URL", None)
    log = open(folder / "server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "demo", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a bound for a busy machine; it answers in seconds when idle
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    else:
        process.kill()
        process.wait(timeout=10)
    if process.poll() is not None:
        log.close()
        pytest.fail("carepost demo did not start:\n" + (folder / "server.log").read_text()[-2000:])
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(autouse=True)
def close_what_the_test_opened(request):
    """A page left open keeps painting (a blinking caret, a poll) in the shared Chromium and takes
    CPU from every later test: each browser context a test opens is closed when it ends."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    before = set(browser.contexts)
    yield
    for context in browser.contexts:
        if context not in before:
            context.close()


@pytest.fixture(scope="session")
def live_data_dir(tmp_path_factory) -> Path:
    """The live server's data folder: its SQLite database is carepost.db in it."""
    return tmp_path_factory.mktemp("live")


@pytest.fixture(scope="session")
def live_server(live_data_dir, shipped_model_folder):
    """Base URL of `carepost demo` serving a fresh SQLite database on a free loopback port."""
    with demo_server(live_data_dir, shipped_model_folder) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CAREPOST_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
