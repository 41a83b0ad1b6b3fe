"""The calendar's links and range, and the next occurrence a recurring post shows."""

import re

import pytest

from app.accounts.models import Role


def test_week_link_of_a_month_opens_a_week_of_that_month(login_as):
    marketer, _m, _csrf = login_as(Role.marketing)
    page = marketer.get("/calendar?month=2030-09").text  # 1 September 2030 is a Sunday
    link = re.search(r'\?(week=[^"]+)" data-testid="calendar-mode"', page).group(1)
    assert link == "week=2030-W36"  # Monday 2 to Sunday 8 September
    week = marketer.get(f"/calendar?{link}").text
    assert 'data-day="2030-09-02"' in week and 'data-day="2030-08-26"' not in week
    back = re.search(r'\?(month=[^"]+)" data-testid="calendar-mode"', week).group(1)
    assert back == "month=2030-09"


@pytest.mark.parametrize(
    "query",
    [
        "month=0001-01",
        "month=9999-12",
        "week=0001-W01",
        "week=9999-W52",
        "week=2030-W%C2%B2",
        "week=2030-W99",
    ],
)
def test_calendar_far_off_or_malformed_ranges_are_a_clear_422(login_as, query):
    marketer, _m, _csrf = login_as(Role.marketing)
    response = marketer.get(f"/calendar?{query}")
    assert response.status_code == 422 and "YYYY-MM" in response.text


def test_a_recurring_post_shows_its_next_occurrence_not_the_one_after(login_as, outbox):
    marketer, _m, csrf = login_as(Role.marketing)
    created = marketer.post(
        "/api/posts",
        headers={"X-CSRF-Token": csrf},
        json={
            "text": "Vacunación los lunes",
            "channels": ["Outbox"],
            "scheduled_at": "2030-01-07T09:00:00+01:00",
            "recurrence": {"freq": "weekly"},
        },
    ).json()
    page = marketer.get(f"/posts/{created['id']}").text
    shown = re.search(r'data-testid="next-run">([^<]+)<', page).group(1)
    assert shown == "2030-01-07 09:00"
