"""In headless Chromium: an anonymous case with a poll hides its author from a clinician but not
from an administrator; two clinicians exchange direct messages; the directory and the case are
saved at both widths."""

from tests.web.conftest import ARTIFACTS
from tests.web.test_login_browser import PASSWORDS, log_in, unique_word

AUTHOR = "Dra. Inés Vidal"  # the demo's second verified clinician ("colleague")


def _shots(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_anonymous_case_and_a_message_round_trip(browser, page, live_server):
    log_in(page, live_server, "colleague", PASSWORDS["colleague"])
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
    assert "Vidal" not in other.content() and "colleague" not in other.content()
    other.check("input[name=option_id] >> nth=1")
    other.click("[data-testid=vote]")
    other.wait_for_selector("[data-testid=poll-result]")
    assert "Ecocardiograma: 1" in other.inner_text("[data-testid=poll]")
    _shots(other, "network-case-poll")
    other.goto(live_server + "/network/people")
    other.wait_for_selector("[data-testid=colleague]")
    _shots(other, "network-directory")

    # The author writes to Dr. Ruiz from the directory; he reads it and answers.
    page.goto(live_server + "/network/people?q=Ruiz")
    page.click("[data-testid=colleague] a")
    page.click("[data-testid=write]")
    question = f"¿Lo vemos el jueves? ({unique_word()})"
    page.fill("textarea[name=text]", question)
    page.click("form:has(textarea[name=text]) button[type=submit]")
    page.wait_for_selector("[data-testid=dm]")
    other.goto(live_server + "/messages")
    other.locator("[data-testid=conversation]", has_text=AUTHOR).first.locator("a").click()
    assert question in other.inner_text("main")
    answer = f"Sí, a las 15:00 ({unique_word()})"
    other.fill("textarea[name=text]", answer)
    other.click("form:has(textarea[name=text]) button[type=submit]")
    other.wait_for_selector(f"text={answer}")
    page.reload()
    assert answer in page.inner_text("main")
    other.context.close()

    page.click("form[action$='/logout'] button")
    page.wait_for_url("**/login")
    log_in(page, live_server, "admin", PASSWORDS["admin"])
    page.wait_for_selector("[data-testid=whoami]")
    page.goto(live_server + "/admin/network/anonymous")
    row = page.locator("[data-testid=anonymous-case]", has_text=title)
    assert AUTHOR in row.inner_text()
