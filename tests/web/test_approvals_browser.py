"""In headless Chromium: a clinician sees on home what waits, opens the queue, reads what changed in
a post since rejecting it and approves it with the keyboard; the analytics page and the queue at
1280 and 390 px go to the artefacts folder."""

import re

from app.demo import DEMO_USERS
from tests.web.conftest import ARTIFACTS
from tests.web.test_login_browser import log_in, unique_word

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}


def signed_in(browser, base: str, username: str):
    page = browser.new_context(locale="en-GB").new_page()
    log_in(page, base, username, PASSWORDS[username])
    page.wait_for_selector("[data-testid=whoami]")
    return page, page.get_attribute("meta[name=csrf-token]", "content")


def shoot(page, url: str, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        wide = page.evaluate("() => document.scrollingElement.scrollWidth")
        assert wide <= width, f"{name} is {wide} px wide at {width} px"


def test_clinician_approves_an_edited_post_from_the_queue_with_the_keyboard(browser, live_server):
    word = unique_word()
    marketer, m_csrf = signed_in(browser, live_server, "marketing")
    created = marketer.request.post(
        live_server + "/api/posts",
        headers={"X-CSRF-Token": m_csrf},
        data={
            "text": f"La vacuna de la gripe protege a los mayores {word}",
            "channels": ["Outbox"],
            "health_claim": True,
        },
    ).json()
    clinician, c_csrf = signed_in(browser, live_server, "clinician")
    rejected = clinician.request.post(
        live_server + f"/api/posts/{created['id']}/review",
        headers={"X-CSRF-Token": c_csrf},
        data={"approve": False, "comment": "Falta la fuente"},
    )
    assert rejected.json()["status"] == "rejected"
    channel = marketer.request.get(live_server + "/api/channels").json()[0]["id"]
    edited = marketer.request.post(
        live_server + f"/posts/{created['id']}/edit",
        form={
            "csrf_token": m_csrf,
            "text": f"La vacuna de la gripe reduce los ingresos de los mayores {word} (OMS)",
            "channels": str(channel),
            "health_claim": "on",
        },
        max_redirects=0,
    )
    assert edited.status == 303

    clinician.goto(live_server + "/")
    assert int(clinician.inner_text("[data-testid=approvals-count]")) >= 1
    clinician.click("[data-testid=approvals-waiting]")
    clinician.wait_for_url(re.compile(r".*/review\?kind=post_approval$"))
    shoot(clinician, clinician.url, "review-queue")
    clinician.set_viewport_size({"width": 1280, "height": 900})
    row = clinician.locator("#queue tbody tr", has_text=word)
    assert row.locator("[data-testid=changed-since-review]").count() == 1
    for _ in range(clinician.locator("#queue tbody tr[data-item]").count()):
        clinician.keyboard.press("j")
        if "current" in (row.get_attribute("class") or ""):
            break
    clinician.keyboard.press("o")
    clinician.wait_for_selector("[data-testid=post-changes]")
    diff = clinician.locator("[data-testid=diff]")
    # Told by words as well as by colour: "removed" and "added" are read out with the change.
    removed, added = (
        diff.locator("del").first.text_content(),
        diff.locator("ins").first.text_content(),
    )
    assert removed == "[removed: protege a]" and added == "[added: reduce los ingresos de]"
    assert "Falta la fuente" in clinician.inner_text("[data-testid=post-changes]")
    clinician.keyboard.press("r")  # no reason yet: r asks for it instead of rejecting
    assert clinician.evaluate("() => document.activeElement.name") == "note"
    clinician.locator("[data-testid=reason]").blur()
    clinician.keyboard.press("a")
    clinician.wait_for_url(re.compile(r".*/review$"))
    shown = marketer.request.get(live_server + f"/api/posts/{created['id']}").json()
    assert shown["status"] == "approved"
    shoot(marketer, live_server + "/analytics", "analytics")
