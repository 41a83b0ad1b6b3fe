"""The calendar: posts, SMS campaigns and newsletters laid out by local day, a month or a week."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from app.channels.models import Channel
from app.newsletters.models import Newsletter
from app.outreach.models import Campaign, CampaignStatus
from app.planning.service import can_move
from app.posts.models import Delivery, DeliveryStatus, Post, PostChannel, PostStatus
from app.settings import get_settings
from scheduler.recurrence import Rule, occurrences

SMS, EMAIL = "sms", "email"  # the filter's values for campaigns and newsletters; digits: a channel


@dataclass
class Entry:
    item_id: int
    when: datetime
    text: str
    status: str
    channels: list[str] = field(default_factory=list)
    projected: bool = False
    kind: str = "post"  # post, campaign or newsletter
    movable: bool = False

    @property
    def post_id(self) -> int:
        return self.item_id


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
    today: date | None = None
    show: str = ""
    here: str = ""  # this view's query, for links that come back to it


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


def channel_filter(show: str) -> int | None:
    """The channel id a filter value names (digits), else None."""
    return int(show) if show.isascii() and show.isdigit() and len(show) < 10 else None


def _posts(db: Session, lower: datetime, upper: datetime, show: str, zone, entries) -> None:
    """Deliveries in the range (one entry per post and time), then recurrences not laid out yet."""
    if show in (SMS, EMAIL):
        return
    channel_id = channel_filter(show)
    grouped: dict[tuple[int, datetime], Entry] = {}
    query = (
        select(Delivery, Post, Channel)
        .join(Post, Post.id == Delivery.post_id)
        .join(Channel, Channel.id == Delivery.channel_id)
        .where(Delivery.due_at >= lower, Delivery.due_at < upper)
        .order_by(Delivery.due_at)
    )
    if channel_id is not None:
        query = query.where(Delivery.channel_id == channel_id)
    for delivery, post, channel in db.exec(query):
        key = (post.id, delivery.due_at)
        if key not in grouped:
            movable = can_move(post) and delivery.status == DeliveryStatus.pending
            status = post.status if movable else delivery.status
            grouped[key] = Entry(post.id, delivery.due_at, post.text, str(status), movable=movable)
            entries[delivery.due_at.astimezone(zone).date()].append(grouped[key])
        grouped[key].channels.append(channel.name)
    recurring = select(Post).where(
        Post.status == PostStatus.scheduled, col(Post.recurrence).is_not(None)
    )
    if channel_id is not None:
        on_channel = select(PostChannel.post_id).where(PostChannel.channel_id == channel_id)
        recurring = recurring.where(col(Post.id).in_(on_channel))
    for post in db.exec(recurring):
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


def _outreach(db: Session, lower: datetime, upper: datetime, show: str, zone, entries) -> None:
    """SMS campaigns at their time, newsletters when they were sent out."""
    if show not in ("", SMS, EMAIL):
        return  # a channel's posts only
    if show in ("", SMS):
        campaigns = db.exec(
            select(Campaign).where(
                Campaign.scheduled_at >= lower,
                Campaign.scheduled_at < upper,
                Campaign.status != CampaignStatus.cancelled,
            )
        )
        for c in campaigns:
            entry = Entry(c.id, c.scheduled_at, c.name, str(c.status), ["SMS"], kind="campaign")
            entries[c.scheduled_at.astimezone(zone).date()].append(entry)
    if show in ("", EMAIL):
        sent = db.exec(
            select(Newsletter).where(Newsletter.queued_at >= lower, Newsletter.queued_at < upper)
        )
        for n in sent:
            entry = Entry(
                n.id, n.queued_at, n.subject, str(n.status), ["E-mail"], kind="newsletter"
            )
            entries[n.queued_at.astimezone(zone).date()].append(entry)


def build(*, db: Session, month: str = "", week: str = "", show: str = "") -> CalendarView:
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
    _posts(db, lower, upper, show, zone, entries)
    _outreach(db, lower, upper, show, zone, entries)
    for day_entries in entries.values():
        day_entries.sort(key=lambda e: e.when)
    grid_start = start - timedelta(days=start.weekday())
    days = (end - grid_start).days
    weeks = [
        [grid_start + timedelta(days=w * 7 + d) for d in range(7)] for w in range((days + 6) // 7)
    ]
    here = f"week={title}" if mode == "week" else f"month={title}"
    if show:
        previous, following, other, here = (
            f"{q}&show={show}" for q in (previous, following, other, here)
        )
    return CalendarView(
        mode, start, end, weeks, dict(entries), previous, following, title, other, today, show, here
    )
