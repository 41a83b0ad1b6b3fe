"""Recurring posts: rules evaluated in the practice's local wall time, so 09:00 stays 09:00 across DST."""

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

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
            raise ValueError(f"freq must be one of {', '.join(FREQUENCIES)}")
        interval = int(data.get("interval", 1))
        if not 1 <= interval <= 52:
            raise ValueError("interval must be between 1 and 52")
        until = data.get("until")
        until = date.fromisoformat(until) if isinstance(until, str) and until else until or None
        n = weekday = None
        if freq == "nth_weekday":
            n, weekday = int(data.get("n", 0)), int(data.get("weekday", -1))
            if n not in (1, 2, 3, 4, -1):
                raise ValueError("n must be 1, 2, 3, 4 or -1 (last)")
            if not 0 <= weekday <= 6:
                raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        return cls(freq=freq, interval=interval, until=until, n=n, weekday=weekday)

    def to_dict(self) -> dict:
        data = {"freq": self.freq, "interval": self.interval}
        if self.until:
            data["until"] = self.until.isoformat()
        if self.freq == "nth_weekday":
            data |= {"n": self.n, "weekday": self.weekday}
        return data


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
        if rule.freq == "weekly":
            yield first + timedelta(weeks=k * rule.interval)
            continue
        year, month = _add_months(first, k * rule.interval)
        if rule.freq == "monthly":
            yield date(year, month, min(first.day, calendar.monthrange(year, month)[1]))
        else:
            yield _nth_weekday(year, month, rule.n, rule.weekday)


def occurrences(start: datetime, rule: Rule, zone: ZoneInfo) -> Iterator[datetime]:
    """Every occurrence in UTC, from start (the first one, aware) until the rule's end date."""
    local = start.astimezone(zone)
    for day in _local_dates(local.date(), rule):
        if rule.until and day > rule.until:
            return
        moment = datetime.combine(day, local.time(), tzinfo=zone).astimezone(UTC)
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
