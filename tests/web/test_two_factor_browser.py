"""In headless Chromium: a clinician who set up two-factor sign-in cannot sign in without the code."""

import time

import pyotp

from app.demo import DEMO_USERS
from tests.web.test_login_browser import log_in, unique_word

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}
NEW_PASSWORD = "estetoscopio-rojo-2026"


def create_clinician(page, base: str, verified: bool = False) -> str:
    """A new clinician account made by the demo admin through the Users page; returns its name."""
    log_in(page, base, "admin", PASSWORDS["admin"])
    page.wait_for_selector("[data-testid=whoami]")
    page.goto(base + "/admin/users")
    username = "dr" + unique_word()
    form = page.locator("form.grid")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=display_name]").fill("Dra. Paz Gil")
    form.locator("select[name=role]").select_option("clinician")
    form.locator("input[name=licence_number]").fill("28/2899999")
    form.locator("input[name=password]").fill(NEW_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"text=Account {username} created.")
    if verified:
        row = page.locator("tr", has_text=username)
        row.locator("form[action$='/verify'] button").click()
        page.wait_for_selector("text=Clinician verified.")
    page.click("form[action$='/logout'] button")
    page.wait_for_url("**/login")
    return username


def test_a_clinician_with_two_factor_cannot_sign_in_without_the_code(page, live_server):
    username = create_clinician(page, live_server)
    log_in(page, live_server, username, NEW_PASSWORD)
    page.wait_for_selector("[data-testid=whoami]")
    page.goto(live_server + "/account")
    page.click("#two-factor a")
    assert page.locator("[data-testid=qr] svg").is_visible()
    secret = page.locator("[data-testid=totp-secret]").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.fill("input[name=code]", totp.now())
    page.click("form[action$='/account/two-factor'] button")
    codes = page.locator("[data-testid=recovery-codes] li code")
    assert codes.count() == 10
    page.click("form[action$='/logout'] button")
    page.wait_for_url("**/login")

    log_in(page, live_server, username, NEW_PASSWORD)
    page.wait_for_url("**/login/code")
    page.goto(live_server + "/")
    page.wait_for_url("**/login?next=/")
    assert page.locator("[data-testid=whoami]").count() == 0

    log_in(page, live_server, username, NEW_PASSWORD)
    page.fill("input[name=code]", "000000")
    page.click("form[action$='/login/code'] button")
    assert "not right" in page.locator("[role=alert]").inner_text()
    assert page.locator("[data-testid=whoami]").count() == 0
    # The enrolment spent the current code; the app's next one is accepted (clocks drift by one).
    page.fill("input[name=code]", totp.at(time.time(), counter_offset=1))
    page.click("form[action$='/login/code'] button")
    page.wait_for_selector("[data-testid=whoami]")
    assert username not in page.url
