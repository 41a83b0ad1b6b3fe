"""The calendar: deliveries and projected recurrences laid out by local day, for a month or a week."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from app.channels.models import Channel
from app.posts.models import Delivery, Post, PostStatus
from app.settings import get_settings
from scheduler.recurrence import Rule, occurrences


@dataclass
class Entry:
    post_id: int
    when: datetime
    text: str
    status: str
    channels: list[str] = field(default_factory=list)
    projected: bool = False


# The calendar's reach: wide enough for any plan, narrow enough that a range and its neighbours
# stay valid dates in every time zone (year 1 and 9999 are a 4xx, not an overflow).
FIRST_YEAR, LAST_YEAR = 1970, 9998


@dataclass
class CalendarView:
    mode: str
    start: date
    end: date
    weeks: list[list[date]]
    entries: dict[date, list[Entry]]
    previous: str
    next: str
    title: str
    other: str  # the link to the other mode: the week in view, or the month it belongs to


def _iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _month_range(month: str, today: date) -> tuple[date, date, str, str]:
    first = date.fromisoformat(f"{month}-01") if month else today.replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return first, following, f"month={previous:%Y-%m}", f"month={following:%Y-%m}"


def _week_range(week: str) -> tuple[date, date, str, str]:
    year, number = week.split("-W")
    if not (year.isascii() and year.isdigit() and number.isascii() and number.isdigit()):
        raise ValueError("week must look like 2026-W48")
    start = date.fromisocalendar(int(year), int(number), 1)
    before, after = start - timedelta(weeks=1), start + timedelta(weeks=1)
    return start, after, f"week={_iso_week(before)}", f"week={_iso_week(after)}"


def _week_of_month(first: date, today: date) -> str:
    """The week "Week" opens from a month: this week in the current month, else the month's first
    week (the one holding its first Thursday, as ISO weeks count)."""
    if (today.year, today.month) == (first.year, first.month):
        return _iso_week(today)
    return _iso_week(first + timedelta(days=(3 - first.weekday()) % 7))


def build(*, db: Session, month: str = "", week: str = "") -> CalendarView:
    """Entries between the range's local midnights; ValueError for a malformed or far-off range."""
    zone = get_settings().zone
    today = datetime.now(zone).date()
    if week:
        start, end, previous, following = _week_range(week)
        mode, title = "week", _iso_week(start)
        thursday = start + timedelta(days=3)
        other = f"month={thursday.year:04d}-{thursday.month:02d}"
    else:
        start, end, previous, following = _month_range(month, today)
        mode, title = "month", f"{start.year:04d}-{start.month:02d}"
        other = f"week={_week_of_month(start, today)}"
    if not (FIRST_YEAR <= start.year and end.year <= LAST_YEAR):
        raise ValueError("out of the calendar's range")
    lower = datetime.combine(start, time(), tzinfo=zone).astimezone(UTC)
    upper = datetime.combine(end, time(), tzinfo=zone).astimezone(UTC)
    entries: dict[date, list[Entry]] = defaultdict(list)
    grouped: dict[tuple[int, datetime], Entry] = {}
    rows = db.exec(
        select(Delivery, Post, Channel)
        .join(Post, Post.id == Delivery.post_id)
        .join(Channel, Channel.id == Delivery.channel_id)
        .where(Delivery.due_at >= lower, Delivery.due_at < upper)
        .order_by(Delivery.due_at)
    )
    for delivery, post, channel in rows:
        key = (post.id, delivery.due_at)
        if key not in grouped:
            grouped[key] = Entry(post.id, delivery.due_at, post.text, str(delivery.status))
            entries[delivery.due_at.astimezone(zone).date()].append(grouped[key])
        grouped[key].channels.append(channel.name)
    recurring = db.exec(
        select(Post).where(Post.status == PostStatus.scheduled, col(Post.recurrence).is_not(None))
    )
    for post in recurring:
        for moment in occurrences(post.scheduled_at, Rule.from_dict(post.recurrence), zone):
            if moment >= upper:
                break
            if (
                moment >= lower
                and (post.id, moment) not in grouped
                and (post.next_run_at and moment >= post.next_run_at)
            ):
                entries[moment.astimezone(zone).date()].append(
                    Entry(post.id, moment, post.text, "planned", projected=True)
                )
    grid_start = start - timedelta(days=start.weekday())
    days = (end - grid_start).days
    weeks = [
        [grid_start + timedelta(days=w * 7 + d) for d in range(7)] for w in range((days + 6) // 7)
    ]
    return CalendarView(mode, start, end, weeks, dict(entries), previous, following, title, other)
