"""What the practice published and sent, per ISO week of practice time: posts per channel with
their engagement, SMS reminders (the reminder report's own counts) and newsletters."""

import csv
import io
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.appointments import reports
from app.channels.models import Channel
from app.newsletters.models import EmailEvent, EmailEventKind, EmailKind, EmailStatus, OutboundEmail
from app.posts.models import Delivery, DeliveryStatus, MetricSnapshot, Post

DEFAULT_WEEKS = 8
# Counters that say how many saw a post, not how many acted on it: left out of engagement.
NOT_ENGAGEMENT = ("impression", "view", "reach")


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The days asked for: the last eight weeks by default, at most the reminder report's limit."""
    end = end or today
    return reports.period(
        start or end - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1), end, today
    )


def week_of(day: date) -> str:
    """The ISO week a day belongs to, as 2026-W48."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def engagement(values: dict[str, int]) -> int:
    """Reactions, comments, shares, likes…: every counter a channel reports but views and reach."""
    return sum(int(v) for k, v in values.items() if not any(w in k for w in NOT_ENGAGEMENT))


@dataclass(frozen=True)
class PostScore:
    post_id: int
    text: str
    engagement: int


@dataclass
class ChannelWeek:
    week: str
    channel: str
    published: int = 0
    engagement: int = 0
    best: PostScore | None = None
    worst: PostScore | None = None

    def add(self, score: PostScore) -> None:
        self.published += 1
        self.engagement += score.engagement
        if self.best is None or score.engagement > self.best.engagement:
            self.best = score
        if self.worst is None or score.engagement < self.worst.engagement:
            self.worst = score


@dataclass
class SmsWeek:
    week: str
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    confirmed: int = 0
    opt_outs: int = 0


@dataclass
class EmailWeek:
    week: str
    sent: int = 0
    bounced: int = 0
    unsubscribed: int = 0
    complaints: int = 0
    clicks: int = 0


@dataclass
class Analytics:
    start: date
    end: date
    weeks: list[str]
    posts: list[ChannelWeek] = field(default_factory=list)
    sms: list[SmsWeek] = field(default_factory=list)
    email: list[EmailWeek] = field(default_factory=list)

    def channels(self) -> list[str]:
        return sorted({row.channel for row in self.posts})

    def post_totals(self, what: str) -> list[tuple[str, list[int]]]:
        """Per week, one value per channel (published or engagement): the chart."""
        names = self.channels()
        cells = {(row.week, row.channel): getattr(row, what) for row in self.posts}
        return [(week, [cells.get((week, name), 0) for name in names]) for week in self.weeks]


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def build(db: Session, *, start: date, end: date) -> Analytics:
    """Every figure of the page between start and end (local days, both included)."""
    days = _days(start, end)
    weeks = list(dict.fromkeys(week_of(d) for d in days))
    result = Analytics(start, end, weeks)
    result.posts = _posts(db, days)
    result.sms = _sms(db, start, end, weeks)
    result.email = _email(db, days, weeks)
    return result


def _latest_values(db: Session, delivery_ids: list[int]) -> dict[int, dict[str, int]]:
    """The newest engagement snapshot of each delivery (what the metrics job read last)."""
    if not delivery_ids:
        return {}
    newest = (
        select(func.max(MetricSnapshot.id))
        .where(col(MetricSnapshot.delivery_id).in_(delivery_ids))
        .group_by(MetricSnapshot.delivery_id)
    )
    rows = db.exec(select(MetricSnapshot).where(col(MetricSnapshot.id).in_(newest)))
    return {snap.delivery_id: snap.values for snap in rows}


def _posts(db: Session, days: list[date]) -> list[ChannelWeek]:
    bucket, first, last = reports.day_bucket(Delivery.sent_at, days)
    rows = db.exec(
        select(Delivery.id, Channel.name, Post.id, Post.text, bucket)
        .join(Channel, col(Channel.id) == Delivery.channel_id)
        .join(Post, col(Post.id) == Delivery.post_id)
        .where(
            Delivery.status == DeliveryStatus.published,
            col(Delivery.sent_at) >= first,
            col(Delivery.sent_at) < last,
        )
        .order_by(col(Delivery.id))
    ).all()
    values = _latest_values(db, [row[0] for row in rows])
    table: dict[tuple[str, str], ChannelWeek] = {}
    for delivery_id, channel, post_id, text, index in rows:
        if index < 0:
            continue
        week = week_of(days[index])
        row = table.setdefault((week, channel), ChannelWeek(week, channel))
        row.add(PostScore(post_id, text, engagement(values.get(delivery_id, {}))))
    return sorted(table.values(), key=lambda r: (r.week, r.channel))


def _sms(db: Session, start: date, end: date, weeks: list[str]) -> list[SmsWeek]:
    """The reminder report's counts, added up by week."""
    totals = {week: SmsWeek(week) for week in weeks}
    for day, counts in reports.build(db, start=start, end=end).per_day():
        row = totals[week_of(day)]
        row.sent += counts.sent
        row.delivered += counts.delivered
        row.failed += counts.failed
        row.confirmed += counts.confirmed
        row.opt_outs += counts.opt_outs
    return list(totals.values())


EMAIL_EVENTS = {
    EmailEventKind.hard_bounce: "bounced",
    EmailEventKind.soft_bounce: "bounced",
    EmailEventKind.unsubscribe: "unsubscribed",
    EmailEventKind.complaint: "complaints",
    EmailEventKind.click: "clicks",
}


def _email(db: Session, days: list[date], weeks: list[str]) -> list[EmailWeek]:
    totals = {week: EmailWeek(week) for week in weeks}
    bucket, first, last = reports.day_bucket(OutboundEmail.sent_at, days)
    sent = db.exec(
        select(bucket, func.count())
        .where(
            OutboundEmail.kind == EmailKind.newsletter,
            OutboundEmail.status == EmailStatus.sent,
            col(OutboundEmail.sent_at) >= first,
            col(OutboundEmail.sent_at) < last,
        )
        .group_by(bucket)
    )
    for index, number in sent:
        if index >= 0:
            totals[week_of(days[index])].sent += number
    bucket, first, last = reports.day_bucket(EmailEvent.at, days)
    events = db.exec(
        select(bucket, EmailEvent.kind, func.count())
        .where(EmailEvent.at >= first, EmailEvent.at < last)
        .group_by(bucket, EmailEvent.kind)
    )
    for index, kind, number in events:
        if index >= 0:
            row = totals[week_of(days[index])]
            name = EMAIL_EVENTS.get(EmailEventKind(kind))  # opens are not a weekly figure
            if name:
                setattr(row, name, getattr(row, name) + number)
    return list(totals.values())


POST_COLUMNS = [
    "week",
    "channel",
    "published",
    "engagement",
    "best_post_id",
    "best_engagement",
    "worst_post_id",
    "worst_engagement",
]
SMS_COLUMNS = [f.name for f in fields(SmsWeek)]
EMAIL_COLUMNS = [f.name for f in fields(EmailWeek)]
PARTS = ("posts", "sms", "email")


def _post_row(row: ChannelWeek) -> list:
    best, worst = row.best, row.worst
    return [
        row.week,
        reports.safe_cell(row.channel),
        row.published,
        row.engagement,
        best.post_id if best else "",
        best.engagement if best else "",
        worst.post_id if worst else "",
        worst.engagement if worst else "",
    ]


def to_csv(result: Analytics, part: str) -> str:
    """One part of the page (posts, sms or email) as CSV, a row per week (and channel)."""
    out = io.StringIO()
    writer = csv.writer(out)
    if part == "posts":
        writer.writerow(POST_COLUMNS)
        writer.writerows(_post_row(row) for row in result.posts)
    else:
        columns = SMS_COLUMNS if part == "sms" else EMAIL_COLUMNS
        writer.writerow(columns)
        for row in result.sms if part == "sms" else result.email:
            writer.writerow(getattr(row, name) for name in columns)
    return out.getvalue()
