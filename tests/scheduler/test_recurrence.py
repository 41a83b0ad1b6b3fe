"""Recurrence rules keep local wall time across daylight-saving changes."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.recurrence import Rule, latest_due, next_after, occurrences

MADRID = ZoneInfo("Europe/Madrid")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=MADRID).astimezone(UTC)


def test_weekly_monday_nine_am_stays_nine_am_across_march_and_october_changes():
    start = local(2027, 3, 15, 9, 0)
    rule = Rule.from_dict({"freq": "weekly", "until": "2027-11-08"})
    moments = list(occurrences(start, rule, MADRID))
    assert all(
        m.astimezone(MADRID).hour == 9 and m.astimezone(MADRID).weekday() == 0 for m in moments
    )
    utc_hours = {m.astimezone(MADRID).date(): m.hour for m in moments}
    assert utc_hours[date(2027, 3, 22)] == 8 and utc_hours[date(2027, 3, 29)] == 7  # CET then CEST
    assert utc_hours[date(2027, 10, 25)] == 7 and utc_hours[date(2027, 11, 1)] == 8  # CEST then CET
    assert moments[-1].astimezone(MADRID).date() == date(2027, 11, 8)


def test_monthly_on_the_31st_falls_back_to_the_last_day():
    rule = Rule.from_dict({"freq": "monthly"})
    days = [
        m.astimezone(MADRID).day
        for m in list(occurrences(local(2027, 1, 31, 10, 0), rule, MADRID))[:3]
    ]
    assert days == [31, 28, 31]


def test_second_tuesday_and_last_friday():
    second_tuesday = Rule.from_dict({"freq": "nth_weekday", "n": 2, "weekday": 1})
    got = [
        m.astimezone(MADRID).date()
        for m in list(occurrences(local(2027, 1, 1, 9, 0), second_tuesday, MADRID))[:2]
    ]
    assert got == [date(2027, 1, 12), date(2027, 2, 9)]
    last_friday = Rule.from_dict({"freq": "nth_weekday", "n": -1, "weekday": 4})
    assert next(occurrences(local(2027, 1, 1, 9, 0), last_friday, MADRID)).astimezone(
        MADRID
    ).date() == date(2027, 1, 29)


def test_latest_due_reports_skipped_occurrences():
    start = local(2027, 1, 4, 9, 0)
    rule = Rule.from_dict({"freq": "weekly"})
    due, skipped = latest_due(start, rule, MADRID, since=start, now=local(2027, 1, 26, 12, 0))
    assert due == local(2027, 1, 25, 9, 0) and skipped == 3
    assert next_after(start, rule, MADRID, due) == local(2027, 2, 1, 9, 0)


@pytest.mark.parametrize(
    "bad",
    [
        {"freq": "daily"},
        {"freq": "weekly", "interval": 0},
        {"freq": "nth_weekday", "n": 5, "weekday": 1},
        {"freq": "nth_weekday", "n": 1, "weekday": 9},
    ],
)
def test_bad_rules_are_refused(bad):
    with pytest.raises(ValueError):
        Rule.from_dict(bad)


@pytest.mark.parametrize(
    "bad",
    [
        {"freq": "weekly", "interval": float("inf")},
        {"freq": "weekly", "interval": 1.5},
        {"freq": "weekly", "interval": True},
        {"freq": "weekly", "interval": "²"},
        {"freq": "nth_weekday", "n": 1, "weekday": float("inf")},
        {"freq": "weekly", "until": 5},
        {"freq": "weekly", "until": "next year"},
    ],
)
def test_numbers_and_dates_that_are_not_plain_whole_numbers_and_iso_dates_are_refused(bad):
    with pytest.raises(ValueError):
        Rule.from_dict(bad)


def test_form_values_as_digit_strings_are_read():
    rule = Rule.from_dict({"freq": "nth_weekday", "interval": "2", "n": "-1", "weekday": "4"})
    assert (rule.interval, rule.n, rule.weekday) == (2, -1, 4)


def test_occurrences_stop_at_the_last_representable_date_instead_of_failing():
    rule = Rule.from_dict({"freq": "monthly", "interval": 52})
    moments = list(occurrences(local(9000, 1, 31, 9, 0), rule, MADRID))
    assert moments and moments[-1].year <= 9999
    weekly = list(occurrences(local(9999, 12, 1, 9, 0), Rule.from_dict({"freq": "weekly"}), MADRID))
    assert weekly[-1].astimezone(MADRID).date() == date(9999, 12, 29)
