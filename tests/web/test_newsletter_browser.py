"""In headless Chromium: a patient signs up on the public form, confirms from the e-mail in the
local mailbox, receives the practice's newsletter there and unsubscribes in one click."""

import time

from app.demo import DEMO_USERS
from tests.web.test_login_browser import log_in, unique_word

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}


def open_mail(page, base: str, address: str, subject_part: str) -> None:
    """The dispatcher in the server's process sends each second; the mail shows in the mailbox."""
    for _ in range(60):
        page.goto(base + "/mailbox")
        link = page.locator(f"a:text-is('{address}')")
        if link.count():
            link.click()
            page.wait_for_selector("[data-testid=mail-subject]")
            if subject_part in page.inner_text("[data-testid=mail-subject]"):
                return
        time.sleep(0.5)
    raise AssertionError(f"no mail with {subject_part!r} reached {address}")


def test_signup_confirm_receive_and_unsubscribe_in_one_click(browser, live_server):
    word = unique_word()
    address = f"{word}@example.org"
    patient = browser.new_context(locale="en-GB").new_page()
    staff = browser.new_context(locale="en-GB").new_page()

    patient.goto(live_server + "/n/signup/en")
    patient.fill("input[name=name]", f"Ana {word.title()}")
    patient.fill("input[name=email]", address)
    patient.check("input[name=agree]")
    patient.click("form[action*='/n/signup/'] button[type=submit]")
    patient.wait_for_selector("[data-testid=signup-done]")

    log_in(staff, live_server, "marketing", PASSWORDS["marketing"])
    staff.wait_for_selector("[data-testid=whoami]")
    open_mail(staff, live_server, address, "")
    confirm = staff.locator("[data-testid=mail-body] a[href*='/n/confirm/']").first
    confirm_url = confirm.get_attribute("href")
    assert confirm_url

    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    patient.goto(confirm_url)
    assert patient.locator("[data-testid=confirmed]").count() == 0
    patient.click("form[action*='/n/confirm/'] button[type=submit]")
    patient.wait_for_selector("[data-testid=confirmed]")

    subject = f"Flu clinic news {word}"
    staff.goto(live_server + "/newsletters")
    staff.fill("input[name=subject]", subject)
    staff.fill("textarea[name=body]", "Hello {nombre},\n\nOur flu clinic opens on Saturdays.")
    staff.select_option("select[name=language]", "en")
    staff.click("form:has(input[name=subject]) button[type=submit]")
    staff.wait_for_selector("[data-testid=newsletter-status]")
    staff.click("form[action$='/send'] button[type=submit]")
    staff.wait_for_selector("[data-testid=newsletter-status]")
    newsletter_url = staff.url

    open_mail(staff, live_server, address, subject)
    body = staff.inner_text("[data-testid=mail-body]")
    assert f"Hello Ana {word.title()}" in body
    unsubscribe_url = staff.locator("[data-testid=mail-body] a[href*='/u/']").first.get_attribute(
        "href"
    )
    assert unsubscribe_url

    patient.goto(unsubscribe_url)
    assert patient.locator("[data-testid=unsubscribed]").count() == 0, "a GET changes nothing"
    patient.click("form[action*='/u/'] button[type=submit]")
    patient.wait_for_selector("[data-testid=unsubscribed]")
    patient.goto(unsubscribe_url)
    patient.wait_for_selector("[data-testid=unsubscribed]")  # it holds on the next visit

    staff.goto(newsletter_url)
    assert staff.inner_text("[data-testid=figure-unsubscribed]") == "1"
