"""In headless Chromium: a second clinician sees a held case masked and a claimed item as taken."""

from tests.web.test_login_browser import log_in, unique_word
from tests.web.test_two_factor_browser import NEW_PASSWORD, PASSWORDS, create_clinician

IDENTIFIERS = ("Maria Lopez Garcia", "12345678Z", "600 111 222")


def test_a_held_case_is_masked_and_a_claimed_item_shows_as_taken(browser, page, live_server):
    author = create_clinician(page, live_server, verified=True)
    log_in(page, live_server, author, NEW_PASSWORD)
    page.wait_for_selector("[data-testid=whoami]")
    page.goto(live_server + "/network")
    page.click("details.card summary")
    title = "Dolor torácico " + unique_word()
    form = page.locator("form[action$='/network/posts']")
    form.locator("input[name=title]").fill(title)
    form.locator("textarea[name=text]").fill(
        "Paciente Maria Lopez Garcia, DNI 12345678Z, tel 600 111 222: dolor atípico, ¿ideas?"
    )
    form.locator("button[type=submit]").first.click()
    page.wait_for_load_state()

    other = browser.new_context(locale="en-GB").new_page()
    log_in(other, live_server, "clinician", PASSWORDS["clinician"])
    other.wait_for_selector("[data-testid=whoami]")
    other.goto(live_server + "/review?kind=network_post")
    row = other.locator("#queue tbody tr", has_text=title)
    assert not [part for part in IDENTIFIERS if part in row.inner_text()]
    row.locator("a[data-testid=review-link]").click()
    text = other.locator("[data-testid=review-text]").inner_text()
    assert "dolor atípico" in text and not [part for part in IDENTIFIERS if part in text]
    other.click("[data-testid=claim-button]")
    other.wait_for_selector("text=You are working on this item")

    page.goto(live_server + "/review?kind=network_post")
    mine = page.locator("#queue tbody tr", has_text=title)
    assert "taken by Dr. Carlos Ruiz" in mine.locator("[data-testid=claim]").inner_text()
    # The author wrote the identifiers and reads them; the item page says who is working on it.
    mine.locator("a[data-testid=review-link]").click()
    assert "12345678Z" in page.locator("[data-testid=review-text]").inner_text()
    assert (
        "Dr. Carlos Ruiz is working on this item"
        in page.locator("[data-testid=claim]").inner_text()
    )
    other.context.close()
