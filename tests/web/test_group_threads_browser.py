"""In headless Chromium, on a phone: an admin opens a group with a category; a patient starts a
titled thread in it, is mentioned by pseudonym in a reply, edits the thread and finds it by search."""

import re

from app.demo import DEMO_USERS
from tests.web.conftest import ARTIFACTS
from tests.web.test_login_browser import log_in, unique_word

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}
PSEUDONYM = {spec["username"]: spec["display_name"] for spec in DEMO_USERS}


def _phone(browser, base, username):
    page = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    log_in(page, base, username, PASSWORDS[username])
    page.wait_for_selector("[data-testid=whoami]", state="attached")
    return page


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"group-threads-{name}-390.png"), full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390


def test_a_titled_thread_with_a_category_gets_a_mention_an_edit_and_is_found(browser, live_server):
    word = unique_word()
    admin = _phone(browser, live_server, "admin")
    admin.goto(live_server + "/groups")
    create = admin.locator("form[action$='/groups']")
    create.locator("input[name=name]").fill(f"Cocina {word}")
    create.locator("button[type=submit]").click()
    admin.wait_for_url(re.compile(r".*/groups/\d+$"))
    group_url = admin.url
    admin.goto(group_url + "/members")
    admin.fill("#categories input[name=name]", "Recetas")
    admin.click("#categories form:has(input[name=name]) button[type=submit]")
    admin.wait_for_selector("#categories .badge:has-text('Recetas')")

    patient = _phone(browser, live_server, "patient")
    patient.goto(group_url)
    patient.click("#membership button[type=submit]")
    patient.fill("#new-thread input[name=title]", f"Lentejas {word}")
    patient.select_option("#new-thread select[name=category_id]", label="Recetas")
    patient.fill("#new-thread textarea[name=text]", "Con verduras y un poco de comino.")
    patient.click("#new-thread button[type=submit]")
    patient.wait_for_url(re.compile(r".*/groups/\d+/posts/\d+$"))
    thread_url = patient.url
    assert "Recetas" in patient.inner_text("[data-testid=group-post]")

    admin.goto(thread_url)
    admin.fill("#reply textarea[name=text]", f"¡Qué rica, @{PSEUDONYM['patient']}!")
    admin.click("#reply button[type=submit]")
    admin.wait_for_selector("#replies [data-testid=group-post]")

    patient.goto(live_server + "/notifications")
    assert f"{PSEUDONYM['admin']} mentioned you in Cocina {word}" in patient.inner_text("main")
    patient.goto(thread_url)
    patient.click("#post-" + thread_url.rsplit("/", 1)[1] + " details.own-post summary")
    edit = patient.locator("[data-testid=edit-form]").first
    edit.locator("textarea[name=text]").fill(f"Con verduras, comino y pimentón {word}.")
    _shot(patient, "edit")
    edit.locator("button[type=submit]").click()
    patient.wait_for_selector("[data-testid=edited]")
    _shot(patient, "thread")

    patient.goto(group_url)
    assert patient.locator("#categories a:has-text('Recetas')").count() == 1
    _shot(patient, "group")
    patient.click("[data-testid=group-search]")
    patient.fill("input[name=q]", f"pimenton {word}")
    patient.click("form[role=search] button[type=submit]")
    result = patient.locator("[data-testid=search-result]")
    result.first.wait_for()
    assert result.count() == 1 and f"Lentejas {word}" in result.inner_text()
    _shot(patient, "search")

    admin.goto(thread_url)
    admin.click("[data-testid=edited] a")
    assert "Con verduras y un poco de comino." in admin.inner_text("[data-testid=version]")
    _shot(admin, "history")
    for page in (admin, patient):
        page.context.close()
