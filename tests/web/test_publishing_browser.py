"""In headless Chromium: compose, preview, request approval, clinician approval, published to the outbox."""

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.demo import DEMO_USERS
from tests.web.test_login_browser import log_in, unique_word

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}


def status(page) -> str:
    return page.inner_text("[data-testid=post-status]")


def click_action(page, label: str, expected: str) -> None:
    page.click(f"#post-actions button:has-text('{label}')")
    page.wait_for_selector(f"[data-testid=post-status]:has-text('{expected}')")


def test_compose_approve_and_publish_to_the_outbox(browser, live_server):
    text = f"Campaña de vacunación antigripal {unique_word()}: pide cita en recepción."
    marketer = browser.new_context().new_page()
    log_in(marketer, live_server, "marketing", PASSWORDS["marketing"])
    marketer.wait_for_selector("[data-testid=whoami]")
    marketer.goto(live_server + "/posts/new")
    marketer.fill("textarea[name=text]", text)
    marketer.wait_for_load_state("networkidle")  # the preview's request has come back
    marketer.check("input[name=channels]")
    preview = marketer.locator("#preview article[data-channel=Outbox]")
    preview.wait_for()
    assert text in preview.inner_text() and f"{len(text)} / 5000" in preview.inner_text()
    marketer.click("form#compose button[type=submit]")
    marketer.wait_for_url(re.compile(r".*/posts/\d+$"))
    post_url = marketer.url
    assert status(marketer) == "draft"
    click_action(marketer, "Request approval", "awaiting approval")

    clinician = browser.new_context().new_page()
    log_in(clinician, live_server, "clinician", PASSWORDS["clinician"])
    clinician.wait_for_selector("[data-testid=whoami]")
    clinician.goto(post_url)
    clinician.fill("textarea[name=comment]", "Correcto: la vacuna está indicada.")
    clinician.click("button[value=approve]")
    clinician.wait_for_selector("[data-testid=post-status]:has-text('approved')")

    marketer.goto(post_url)
    tomorrow = datetime.now(ZoneInfo("Europe/Madrid")) + timedelta(days=1)
    marketer.fill("#post-actions input[name=date]", tomorrow.strftime("%Y-%m-%d"))
    click_action(marketer, "Schedule", "scheduled")
    click_action(marketer, "Pause", "paused")
    click_action(marketer, "Resume", "scheduled")
    marketer.click("#post-actions button:has-text('Publish now')")
    marketer.wait_for_load_state()
    for _ in range(40):  # the in-process dispatcher runs every second
        marketer.goto(post_url)
        if status(marketer) == "done":
            break
        time.sleep(0.5)
    assert "published" in marketer.inner_text("#deliveries tbody tr")
    marketer.click("[data-testid=remote-link]")
    marketer.wait_for_url(re.compile(r".*/outbox/\d+$"))
    assert text in marketer.inner_text("main")

    # Someone comments under the published post with another person's health data: carepost
    # reads the comment, hides it on the channel and shows it on the post waiting for review.
    marketer.fill("input[name=author_name]", f"Vecino {unique_word()}")
    marketer.fill(
        "textarea[name=text]",
        "Maria Lopez Garcia, DNI 12345678Z, tiene VIH y se trata en este centro",
    )
    marketer.click("form.stack button[type=submit]")
    marketer.wait_for_selector("[data-testid=outbox-comment]")
    marketer.goto(post_url)
    marketer.click("#comments button:has-text('Check for new comments now')")
    marketer.wait_for_selector("#comments [data-testid=hidden-on-channel]")
    assert "hidden until reviewed" in marketer.inner_text("#comments")
    marketer.click("[data-testid=remote-link]")
    marketer.wait_for_selector("[data-testid=outbox-comment][data-hidden=true]")
