"""Sending hours: a reminder due outside them moves to the last allowed moment before, never after
the appointment; offsets count on the practice's clock across daylight-saving changes."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.appointments.hours import SendingHours, local_offset, public_holidays, send_moment

MADRID = ZoneInfo("Europe/Madrid")
HOURS = SendingHours(holidays=public_holidays("ES", None))  # 09:00–21:00, no Sundays
EARLY = datetime(2026, 11, 1, tzinfo=UTC)


def local(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=MADRID)


@pytest.mark.parametrize(
    ("due", "appointment", "now", "expected"),
    [
        # Inside the hours: sent when due (the end of the window is allowed).
        ("2026-11-24 10:00", "2026-11-25 10:00", None, "2026-11-24 10:00"),
        ("2026-11-24 21:00", "2026-11-25 21:00", None, "2026-11-24 21:00"),
        # Too early in the morning: the evening before, not later that morning.
        ("2026-11-24 08:30", "2026-11-25 08:30", None, "2026-11-23 21:00"),
        # Too late at night: 21:00 that day.
        ("2026-11-24 22:00", "2026-11-25 22:00", None, "2026-11-24 21:00"),
        # Sunday, and Monday before opening: Saturday evening.
        ("2026-11-29 10:00", "2026-11-30 10:00", None, "2026-11-28 21:00"),
        ("2026-11-30 08:00", "2026-12-01 08:00", None, "2026-11-28 21:00"),
        # 8 December is a national holiday in Spain.
        ("2026-12-08 10:00", "2026-12-09 10:00", None, "2026-12-07 21:00"),
        ("2026-12-09 07:00", "2026-12-10 07:00", None, "2026-12-07 21:00"),
        # Booked late: the best moment passed; the first allowed one before the appointment.
        ("2026-11-24 10:00", "2026-11-25 10:00", "2026-11-24 22:30", "2026-11-25 09:00"),
        ("2026-11-24 12:00", "2026-11-25 12:00", "2026-11-24 15:00", "2026-11-24 15:00"),
        # No allowed moment left before the appointment: not sent at all.
        ("2026-11-24 08:30", "2026-11-25 08:30", "2026-11-24 22:30", None),
        ("2026-11-25 10:00", "2026-11-25 10:00", None, None),
    ],
)
def test_reminder_moves_to_the_last_allowed_moment_before(due, appointment, now, expected):
    got = send_moment(
        local(due).astimezone(UTC),
        local(appointment).astimezone(UTC),
        local(now).astimezone(UTC) if now else EARLY,
        HOURS,
        MADRID,
    )
    assert got == (local(expected).astimezone(UTC) if expected else None)


def test_the_moved_moment_is_never_after_the_appointment():
    appointment = local("2026-11-24 09:15")
    due = local("2026-11-24 08:00")  # a short offset, due before opening on the day itself
    moment = send_moment(due.astimezone(UTC), appointment.astimezone(UTC), EARLY, HOURS, MADRID)
    assert moment == local("2026-11-23 21:00").astimezone(UTC)
    assert moment < appointment


@pytest.mark.parametrize(
    ("appointment", "hours", "expected_utc"),
    [
        # Autumn: Sunday 25 Oct 2026 10:00 CET; the day before is still summer time (CEST).
        ("2026-10-25 10:00", 24, datetime(2026, 10, 24, 8, 0, tzinfo=UTC)),
        # Spring: Sunday 29 Mar 2026 10:00 CEST; the day before is winter time (CET).
        ("2026-03-29 10:00", 24, datetime(2026, 3, 28, 9, 0, tzinfo=UTC)),
        # 72 h before Tuesday 27 Oct 10:00 CET is Saturday 10:00 CEST.
        ("2026-10-27 10:00", 72, datetime(2026, 10, 24, 8, 0, tzinfo=UTC)),
    ],
)
def test_offsets_count_on_the_practice_clock_across_dst(appointment, hours, expected_utc):
    due = local_offset(local(appointment).astimezone(UTC), hours, MADRID)
    assert due == expected_utc
    assert due.astimezone(MADRID).time() == time(10, 0)


def test_24h_reminder_across_dst_goes_at_the_same_local_hour_the_day_before():
    open_sundays = SendingHours(closed_weekdays=frozenset(), holidays=frozenset())
    appointment = local("2026-10-25 10:00").astimezone(UTC)
    due = local_offset(appointment, 24, MADRID)
    moment = send_moment(due, appointment, datetime(2026, 10, 1, tzinfo=UTC), open_sundays, MADRID)
    assert moment.astimezone(MADRID) == local("2026-10-24 10:00")
    assert appointment - moment == timedelta(hours=25)  # the clock went back an hour that night


def test_a_regional_holiday_closes_only_that_region():
    madrid = SendingHours(holidays=public_holidays("ES", "MD"))
    # 2 May is the Community of Madrid's day, not a national holiday.
    due = local("2026-05-02 10:00").astimezone(UTC)
    appointment = local("2026-05-03 10:00").astimezone(UTC)
    early = datetime(2026, 4, 1, tzinfo=UTC)
    assert send_moment(due, appointment, early, HOURS, MADRID) == due
    # Saturday 2 May is Madrid's day and Friday 1 May Labour Day: Thursday evening.
    assert send_moment(due, appointment, early, madrid, MADRID) == local(
        "2026-04-30 21:00"
    ).astimezone(UTC)
