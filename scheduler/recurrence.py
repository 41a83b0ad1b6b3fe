"""Recurring posts: rules evaluated in the practice's local wall time, so 09:00 stays 09:00 across DST."""

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.i18n import N_

FREQUENCIES = ("weekly", "monthly", "nth_weekday")
MAX_OCCURRENCES = 2000  # about forty years of weekly posts: a bound on every loop below


@dataclass(frozen=True)
class Rule:
    """weekly (every N weeks), monthly (same day, every N months) or nth_weekday (e.g. 2nd Tuesday; n=-1 is last)."""

    freq: str
    interval: int = 1
    until: date | None = None
    n: int | None = None
    weekday: int | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "Rule":
        """Parse and check a stored or submitted rule; ValueError names what is wrong."""
        freq = data.get("freq")
        if freq not in FREQUENCIES:
            raise ValueError(N_("freq must be one of weekly, monthly, nth_weekday"))
        interval = _whole(data.get("interval", 1), "interval")
        if not 1 <= interval <= 52:
            raise ValueError(N_("interval must be between 1 and 52"))
        until = _day(data.get("until"))
        n = weekday = None
        if freq == "nth_weekday":
            n, weekday = _whole(data.get("n", 0), "n"), _whole(data.get("weekday", -1), "weekday")
            if n not in (1, 2, 3, 4, -1):
                raise ValueError(N_("n must be 1, 2, 3, 4 or -1 (last)"))
            if not 0 <= weekday <= 6:
                raise ValueError(N_("weekday must be 0 (Monday) to 6 (Sunday)"))
        return cls(freq=freq, interval=interval, until=until, n=n, weekday=weekday)

    def to_dict(self) -> dict:
        data = {"freq": self.freq, "interval": self.interval}
        if self.until:
            data["until"] = self.until.isoformat()
        if self.freq == "nth_weekday":
            data |= {"n": self.n, "weekday": self.weekday}
        return data


# What a field that is not a whole number is told, by field.
NOT_WHOLE = {
    "interval": N_("interval must be a whole number"),
    "n": N_("n must be a whole number"),
    "weekday": N_("weekday must be a whole number"),
}


def _whole(value: object, name: str) -> int:
    """A whole number given as a JSON integer or as ASCII digits (a form field); nothing else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    digits = value.strip().removeprefix("-") if isinstance(value, str) else ""
    if digits.isascii() and digits.isdigit() and len(digits) <= 4:
        return int(value.strip())
    raise ValueError(NOT_WHOLE[name])


def _day(value: object) -> date | None:
    """The rule's last day: an ISO date string (YYYY-MM-DD), or nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(N_("until must be a date like 2027-06-30"))


def _add_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _nth_weekday(year: int, month: int, n: int, weekday: int) -> date:
    days = [
        d
        for d in calendar.Calendar().itermonthdates(year, month)
        if d.month == month and d.weekday() == weekday
    ]
    return days[-1] if n == -1 else days[n - 1]


def _local_dates(first: date, rule: Rule) -> Iterator[date]:
    for k in range(MAX_OCCURRENCES):
        try:
            if rule.freq == "weekly":
                yield first + timedelta(weeks=k * rule.interval)
                continue
            year, month = _add_months(first, k * rule.interval)
            if rule.freq == "monthly":
                yield date(year, month, min(first.day, calendar.monthrange(year, month)[1]))
            else:
                yield _nth_weekday(year, month, rule.n, rule.weekday)
        except (OverflowError, ValueError):
            return  # past the last day a date can hold (year 9999)


def occurrences(start: datetime, rule: Rule, zone: ZoneInfo) -> Iterator[datetime]:
    """Every occurrence in UTC, from start (the first one, aware) until the rule's end date."""
    local = start.astimezone(zone)
    for day in _local_dates(local.date(), rule):
        if rule.until and day > rule.until:
            return
        try:
            moment = datetime.combine(day, local.time(), tzinfo=zone).astimezone(UTC)
        except OverflowError:
            return
        if moment >= start:
            yield moment


def next_after(start: datetime, rule: Rule, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first occurrence strictly after `after`, or None when the rule has ended."""
    return next((moment for moment in occurrences(start, rule, zone) if moment > after), None)


def latest_due(
    start: datetime, rule: Rule, zone: ZoneInfo, since: datetime, now: datetime
) -> tuple[datetime | None, int]:
    """The latest occurrence in [since, now] and how many earlier ones in that window it replaces."""
    due = [moment for moment in _bounded(occurrences(start, rule, zone), now) if moment >= since]
    return (due[-1], len(due) - 1) if due else (None, 0)


def _bounded(moments: Iterator[datetime], now: datetime) -> Iterator[datetime]:
    for moment in moments:
        if moment > now:
            return
        yield moment
