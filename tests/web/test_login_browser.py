"""In headless Chromium: each demo user logs in and sees their role's navigation."""

import time

import pytest

from app.demo import DEMO_USERS

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}
EXPECTED_NAV = {
    "admin": [
        "home",
        "post_list",
        "calendar",
        "group_list",
        "question_list",
        "review_queue",
        "channel_list",
        "contact_list",
        "appointment_list",
        "sms_inbox",
        "admin_users",
        "account",
    ],
    "marketing": [
        "home",
        "post_list",
        "calendar",
        "group_list",
        "question_list",
        "contact_list",
        "campaign_list",
        "analytics",
        "account",
    ],
    "clinician": [
        "home",
        "post_list",
        "calendar",
        "group_list",
        "question_list",
        "network_feed",
        "review_queue",
        "contact_list",
        "appointment_list",
        "sms_inbox",
        "account",
    ],
    "patient": ["home", "group_list", "question_list", "account"],
}


def unique_word() -> str:
    """A word no other text holds, in letters: a long run of digits reads as an identifier (phi)."""
    return "".join(chr(ord("a") + int(d)) for d in str(time.time_ns())[-12:])


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=password]) button[type=submit]")


@pytest.mark.parametrize("username", sorted(EXPECTED_NAV))
def test_demo_user_logs_in_and_sees_their_navigation(page, live_server, username):
    log_in(page, live_server, username, PASSWORDS[username])
    page.wait_for_selector("[data-testid=whoami]")
    shown = page.eval_on_selector_all("#nav a", "links => links.map(a => a.dataset.nav)")
    assert shown == EXPECTED_NAV[username]
    page.click("form[action$='/logout'] button")
    page.wait_for_url("**/login")


def test_wrong_password_shows_an_error(page, live_server):
    log_in(page, live_server, "admin", "not-the-password")
    assert page.locator("[role=alert]").inner_text() == "Wrong username or password."
    assert page.locator("#nav").count() == 0


def test_admin_filters_the_audit_log_with_htmx(page, live_server):
    log_in(page, live_server, "admin", PASSWORDS["admin"])
    page.wait_for_selector("[data-testid=whoami]")
    page.goto(live_server + "/admin/audit")
    page.select_option("select[name=action]", "group.create")
    page.wait_for_url("**action=group.create**")
    actions = page.eval_on_selector_all(
        "#audit-table tbody tr td:nth-child(3)", "cells => cells.map(c => c.innerText)"
    )
    assert actions and set(actions) == {"group.create"}
