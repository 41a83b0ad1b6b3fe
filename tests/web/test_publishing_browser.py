"""In headless Chromium: compose, preview, request approval, clinician approval, published to the outbox."""

import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from app.demo import DEMO_USERS
from tests.web.test_login_browser import log_in

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}


def local_now_minute() -> datetime:
    """The practice's current minute, waiting past a minute boundary so it is not over a minute old on submit."""
    now = datetime.now(ZoneInfo("Europe/Madrid"))
    if now.second > 40:
        time.sleep(61 - now.second)
        now = datetime.now(ZoneInfo("Europe/Madrid"))
    return now


def test_compose_approve_and_publish_to_the_outbox(browser, live_server):
    text = f"Campaña de vacunación antigripal {time.time_ns()}: pide cita en recepción."
    marketer = browser.new_context().new_page()
    log_in(marketer, live_server, "marketing", PASSWORDS["marketing"])
    marketer.wait_for_selector("[data-testid=whoami]")
    marketer.goto(live_server + "/posts/new")
    marketer.fill("textarea[name=text]", text)
    marketer.check("input[name=channels]")
    preview = marketer.locator("#preview article[data-channel=Outbox]")
    preview.wait_for()
    assert text in preview.inner_text() and f"{len(text)} / 5000" in preview.inner_text()
    now = local_now_minute()
    marketer.fill("input[name=date]", now.strftime("%Y-%m-%d"))
    marketer.fill("input[name=time]", now.strftime("%H:%M"))
    marketer.click("form#compose button[type=submit]")
    marketer.wait_for_url(re.compile(r".*/posts/\d+$"))
    post_url = marketer.url
    assert marketer.inner_text("[data-testid=post-status]") == "scheduled"
    marketer.click("#post-actions button:has-text('Pause')")
    marketer.wait_for_selector("[data-testid=post-status]:has-text('paused')")
    marketer.goto(post_url + "/edit")
    marketer.check("input[name=health_claim]")
    marketer.click("form#compose button[type=submit]")
    marketer.wait_for_url(post_url)
    assert marketer.inner_text("[data-testid=post-status]") == "awaiting_approval"

    clinician = browser.new_context().new_page()
    log_in(clinician, live_server, "clinician", PASSWORDS["clinician"])
    clinician.wait_for_selector("[data-testid=whoami]")
    clinician.goto(post_url)
    clinician.fill("textarea[name=comment]", "Correcto: la vacuna está indicada.")
    clinician.click("button[value=approve]")
    clinician.wait_for_url(post_url)

    for _ in range(40):  # the in-process dispatcher runs every second
        marketer.goto(post_url)
        if marketer.inner_text("[data-testid=post-status]") == "done":
            break
        time.sleep(0.5)
    assert marketer.inner_text("#deliveries tbody tr").count("published")
    marketer.click("[data-testid=remote-link]")
    marketer.wait_for_url(re.compile(r".*/outbox/\d+$"))
    assert text in marketer.inner_text("main")
