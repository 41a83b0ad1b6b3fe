"""In Chromium against the real demo server: a survey is built, a call campaign starts, the browser
phone answers and presses keys, and the results page shows the answers."""

import re
import time

import pytest

from app.demo import DEMO_USERS
from tests.web.conftest import demo_server
from tests.web.test_login_browser import log_in

PASSWORD = {spec["username"]: spec["password"] for spec in DEMO_USERS}["marketing"]
LUCIA = "+34600111222"


@pytest.fixture(scope="module")
def calls_server(tmp_path_factory, shipped_model_folder):
    """The demo with sending hours open around the clock, so the campaign's calls go out now."""
    hours = {
        "CAREPOST_SMS_HOURS_START": "00:00",
        "CAREPOST_SMS_HOURS_END": "23:59:59",
        "CAREPOST_SMS_SEND_ON_SUNDAYS": "true",
    }
    with demo_server(tmp_path_factory.mktemp("calls"), shipped_model_folder, **hours) as base:
        yield base


def test_a_survey_call_answered_in_the_browser_shows_in_the_results(page, calls_server):
    base = calls_server
    log_in(page, base, "marketing", PASSWORD)
    page.wait_for_selector("[data-testid=whoami]")
    page.goto(base + "/calls")
    form = page.locator("#survey-form")
    form.locator("[name=name]").fill("Vacunación de gripe")
    form.locator("[name=intro_es]").fill("Hola, le llama su centro de salud.")
    form.locator("[name=intro_en]").fill("Hello, this is your clinic.")
    form.locator("[name=closing_es]").fill("Gracias por contestar.")
    form.locator("[name=closing_en]").fill("Thank you for answering.")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/calls/surveys/\d+$"))
    survey_url = page.url
    for kind, es, en in [
        ("yes_no", "¿Le resultó fácil pedir la cita?", "Was it easy to book the appointment?"),
        (
            "scale",
            "Del 1 al 5, ¿qué tal le atendieron en recepción?",
            "From 1 to 5, how were you treated at the desk?",
        ),
    ]:
        question = page.locator("#question-form")
        question.locator("[name=kind]").select_option(kind)
        question.locator("[name=text_es]").fill(es)
        question.locator("[name=text_en]").fill(en)
        question.locator("button[type=submit]").click()
        page.wait_for_selector(f"text={es}")
    assert page.locator("[data-testid=survey-question]").count() == 2

    page.goto(base + "/calls/campaigns/new")
    campaign = page.locator("#campaign-form")
    campaign.locator("[name=name]").fill("Gripe 2026")
    campaign.locator("[name=purpose]").select_option("surveys")
    campaign.locator("[name=survey_id]").select_option(label="Vacunación de gripe")
    campaign.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=call-campaign]")

    # The server's engine places the calls on the browser phone within a tick or two.
    ringing = page.locator(f"[data-testid=phone-call]:has-text('{LUCIA}')")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page.goto(base + "/calls/phone")
        if ringing.count():
            break
        time.sleep(0.5)
    ringing.first.click()
    page.locator("#call button:has-text('Answer')").first.click()
    page.wait_for_selector("[data-testid=keypad]")
    assert "¿Le resultó fácil pedir la cita?" in page.locator("#call").inner_text()
    assert page.locator("[data-testid=spoken]").first.get_attribute("lang") == "es"
    page.locator("[data-testid=keypad] button[value='1']").click()
    page.wait_for_selector("text=Del 1 al 5, ¿qué tal le atendieron en recepción?")
    page.locator("[data-testid=keypad] button[value='4']").click()
    page.wait_for_selector("text=Gracias por contestar.")
    assert page.locator("[data-testid=keypad]").count() == 0

    page.goto(survey_url + "/results")
    first = page.locator("[data-testid=question-result][data-position='1']")
    second = page.locator("[data-testid=question-result][data-position='2']")
    assert first.locator("[data-key='1']").get_attribute("data-count") == "1"
    assert second.locator("[data-key='4']").get_attribute("data-count") == "1"
    assert first.locator("svg rect").count() == 2
