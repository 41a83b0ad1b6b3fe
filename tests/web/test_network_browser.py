"""In headless Chromium: an anonymous case with a poll hides its author from a clinician but not
from an administrator; two clinicians exchange direct messages; the directory and the case are
saved at both widths."""

from tests.web.conftest import ARTIFACTS
from tests.web.test_login_browser import PASSWORDS, log_in, unique_word
from tests.web.test_two_factor_browser import NEW_PASSWORD, create_clinician

AUTHOR = "Dra. Paz Gil"  # the name create_clinician gives


def _shots(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_anonymous_case_and_a_message_round_trip(browser, page, live_server):
    author = create_clinician(page, live_server, verified=True)
    log_in(page, live_server, author, NEW_PASSWORD)
    page.wait_for_selector("[data-testid=whoami]")
    page.goto(live_server + "/network")
    page.click("details.card summary")
    title = "Síncope con el esfuerzo " + unique_word()
    form = page.locator("form[action$='/network/posts']")
    form.locator("input[name=title]").fill(title)
    form.locator("textarea[name=text]").fill("Mujer de unos 40 años, síncope subiendo escaleras.")
    form.locator("[data-testid=anonymous]").check()
    options = form.locator("[data-testid=poll-option]")
    options.nth(0).fill("Holter")
    options.nth(1).fill("Ecocardiograma")
    form.locator("button[type=submit]").first.click()
    page.wait_for_selector("[data-testid=poll]")
    case_url = page.url

    other = browser.new_context(locale="en-GB").new_page()
    log_in(other, live_server, "clinician", PASSWORDS["clinician"])
    other.wait_for_selector("[data-testid=whoami]")
    other.goto(case_url)
    assert other.inner_text("[data-testid=post-anonymous]") == "Anonymous clinician"
    assert "Paz Gil" not in other.content() and author not in other.content()
    other.check("input[name=option_id] >> nth=1")
    other.click("[data-testid=vote]")
    other.wait_for_selector("[data-testid=poll-result]")
    assert "Ecocardiograma: 1" in other.inner_text("[data-testid=poll]")
    _shots(other, "network-case-poll")
    other.goto(live_server + "/network/people?specialty=cardiology")
    other.wait_for_selector("[data-testid=colleague]")
    _shots(other, "network-directory")

    # The author writes to Dr. Ruiz from the directory; he reads it and answers.
    page.goto(live_server + "/network/people?q=Ruiz")
    page.click("[data-testid=colleague] a")
    page.click("[data-testid=write]")
    page.fill("textarea[name=text]", "¿Lo vemos el jueves?")
    page.click("form:has(textarea[name=text]) button[type=submit]")
    page.wait_for_selector("[data-testid=dm]")
    other.goto(live_server + "/messages")
    other.locator("[data-testid=conversation]", has_text=AUTHOR).first.locator("a").click()
    assert "¿Lo vemos el jueves?" in other.inner_text("main")
    other.fill("textarea[name=text]", "Sí, a las 15:00.")
    other.click("form:has(textarea[name=text]) button[type=submit]")
    other.wait_for_selector("text=Sí, a las 15:00.")
    page.reload()
    assert "Sí, a las 15:00." in page.inner_text("main")
    other.context.close()

    page.click("form[action$='/logout'] button")
    page.wait_for_url("**/login")
    log_in(page, live_server, "admin", PASSWORDS["admin"])
    page.wait_for_selector("[data-testid=whoami]")
    page.goto(live_server + "/admin/network/anonymous")
    row = page.locator("[data-testid=anonymous-case]", has_text=title)
    assert AUTHOR in row.inner_text()
