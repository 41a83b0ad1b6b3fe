"""Sending hours: when a reminder may reach a patient's phone, in the practice's local time."""

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

SUNDAY = 6
SEARCH_DAYS = 31


@dataclass(frozen=True)
class SendingHours:
    """Allowed local hours (start and end included), closed weekdays and public holidays."""

    start: time = time(9, 0)
    end: time = time(21, 0)
    closed_weekdays: frozenset[int] = frozenset({SUNDAY})
    holidays: Container[date] = field(default_factory=frozenset)

    def open_on(self, day: date) -> bool:
        return day.weekday() not in self.closed_weekdays and day not in self.holidays

    def allows(self, local: datetime) -> bool:
        return self.open_on(local.date()) and self.start <= local.time() <= self.end


@lru_cache(maxsize=16)
def public_holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    """The public holidays of a country (and region: 'MD' for Madrid), every year on demand."""
    return holidays.country_holidays(country, subdiv=subdivision or None)


def local_offset(start: datetime, hours_before: int, zone: ZoneInfo) -> datetime:
    """`hours_before` on the practice's clock: a 24 h reminder for 10:00 is due at 10:00 the day
    before, also across a daylight-saving change (the wall clock, not elapsed seconds)."""
    local = start.astimezone(zone)
    naive = local.replace(tzinfo=None) - timedelta(hours=hours_before)
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _last_allowed_before(moment: datetime, hours: SendingHours, zone: ZoneInfo) -> datetime | None:
    """The latest allowed instant at or before `moment`."""
    local = moment.astimezone(zone)
    if hours.allows(local):
        return moment
    day = local.date()
    if hours.open_on(day) and local.time() > hours.end:
        return datetime.combine(day, hours.end, zone).astimezone(UTC)
    for back in range(1, SEARCH_DAYS):
        earlier = day - timedelta(days=back)
        if hours.open_on(earlier):
            return datetime.combine(earlier, hours.end, zone).astimezone(UTC)
    return None


def send_moment(
    due: datetime, appointment: datetime, now: datetime, hours: SendingHours, zone: ZoneInfo
) -> datetime | None:
    """When a reminder due at `due` goes out: then if the hours allow, else the last allowed moment
    before it; never after the appointment, never in the past. None: no allowed moment is left."""
    if due >= appointment:
        return None
    moment = _last_allowed_before(due, hours, zone)
    if moment is not None and moment >= now:
        return moment
    # Booked late: the best moment already passed; the first allowed one from now still helps.
    soon = _first_allowed_after(now, hours, zone)
    return soon if soon is not None and soon < appointment else None


def _first_allowed_after(moment: datetime, hours: SendingHours, zone: ZoneInfo) -> datetime | None:
    """The earliest allowed instant at or after `moment`."""
    local = moment.astimezone(zone)
    if hours.allows(local):
        return moment
    day = local.date()
    if hours.open_on(day) and local.time() < hours.start:
        return datetime.combine(day, hours.start, zone).astimezone(UTC)
    for ahead in range(1, SEARCH_DAYS):
        later = day + timedelta(days=ahead)
        if hours.open_on(later):
            return datetime.combine(later, hours.start, zone).astimezone(UTC)
    return None


def first_allowed_at_or_after(
    moment: datetime, hours: SendingHours, zone: ZoneInfo
) -> datetime | None:
    """The earliest moment the sending hours allow from `moment` on (follow-ups after an event)."""
    return _first_allowed_after(moment, hours, zone)
