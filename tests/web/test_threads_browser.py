"""In headless Chromium at a phone's width: a thread composed in two parts, previewed as X and
Facebook show it."""

import sqlite3
from contextlib import closing

from app.demo import DEMO_USERS
from tests.web.conftest import ARTIFACTS
from tests.web.test_login_browser import log_in

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}
NETWORKS = [("x", "X Clínica", "@clinica"), ("facebook", "Clínica Sol", None)]


def _add_channels(folder) -> list[int]:
    """X and Facebook channels in the demo's database (never called: the preview needs none)."""
    with closing(sqlite3.connect(folder / "carepost.db")) as db, db:
        created, encrypted = db.execute(
            "SELECT created_at, credentials_encrypted FROM channel WHERE name = 'Outbox'"
        ).fetchone()
        return [
            db.execute(
                "INSERT INTO channel (kind, name, account_label, credentials_encrypted, status, "
                "created_at) VALUES (?, ?, ?, ?, 'active', ?)",
                (kind, name, label, encrypted, created),
            ).lastrowid
            for kind, name, label in NETWORKS
        ]


def _remove_channels(folder, ids: list[int]) -> None:
    with closing(sqlite3.connect(folder / "carepost.db")) as db, db:
        db.executemany("DELETE FROM channel WHERE id = ?", [(i,) for i in ids])


def test_a_two_part_thread_previews_as_x_and_facebook_on_a_phone(
    browser, live_server, live_data_dir
):
    ids = _add_channels(live_data_dir)
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server, "marketing", PASSWORDS["marketing"])
        page.wait_for_selector("[data-testid=whoami]", state="attached")
        page.goto(live_server + "/posts/new")
        page.fill("textarea[name=text]", "Hoy os contamos paso a paso una cirugía de cataratas.")
        for channel_id in ids:
            page.check(f"input[name=channels][value='{channel_id}']")
        page.click("[data-testid=add-part]")
        page.click("[data-testid=add-part]")
        assert page.locator("#parts [data-part]").count() == 2
        page.locator("#parts [data-part]").nth(1).locator("[data-remove-part]").click()
        page.locator("#parts textarea").fill("Primero, anestesia local en gotas: sin agujas.")
        x_card = page.locator("[data-testid=preview-x]")
        x_card.locator("[data-testid=tweet]").nth(1).wait_for()
        page.wait_for_selector("[data-testid=part-count-2]:has-text('46 / 280')")
        assert x_card.locator("[data-testid=tweet]").count() == 2
        assert "@clinica" in x_card.inner_text() and "anestesia local" in x_card.inner_text()
        facebook = page.locator("[data-testid=preview-facebook]")
        assert "Clínica Sol" in facebook.inner_text() and "anestesia local" in facebook.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#compose").screenshot(path=str(ARTIFACTS / "threads-compose-390.png"))
        page.locator("#preview").screenshot(path=str(ARTIFACTS / "threads-preview-390.png"))
    finally:
        context.close()
        _remove_channels(live_data_dir, ids)
