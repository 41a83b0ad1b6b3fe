"""Reminder results per plan and per day, in practice time: what went out, what came back, and
whether reminded patients missed their appointments less than those who were not reminded."""

import csv
import io
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from app.appointments.models import Appointment, AppointmentStatus, ReminderPlan
from app.errors import InvalidInput
from app.settings import get_settings
from app.sms.models import InboundSms, Intent, OutboundSms, SmsKind, SmsStatus

MAX_DAYS = 92
FAILED = (SmsStatus.failed, SmsStatus.undelivered, SmsStatus.uncertain)
REPLIES = {Intent.confirm: "confirmed", Intent.change: "change_requests", Intent.stop: "opt_outs"}


@dataclass
class Counts:
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    confirmed: int = 0
    change_requests: int = 0
    opt_outs: int = 0
    attended: int = 0
    no_shows: int = 0

    def add(self, other: "Counts") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Report:
    start: date
    end: date
    days: list[date]
    plans: dict[int, str]
    # (day, plan id) -> counts; plan None: appointments that got no reminder.
    rows: dict[tuple[date, int | None], Counts] = field(default_factory=dict)

    def counts(self, day: date, plan_id: int | None) -> Counts:
        return self.rows.setdefault((day, plan_id), Counts())

    def per_day(self) -> list[tuple[date, Counts]]:
        """Every plan added up, day by day (the chart)."""
        totals = {day: Counts() for day in self.days}
        for (day, plan_id), counts in self.rows.items():
            if plan_id is not None:
                totals[day].add(counts)
        return list(totals.items())

    def no_show_rates(self) -> dict[str, tuple[int, int]]:
        """(no-shows, attended + no-shows) among reminded and not reminded appointments."""
        rates = {"reminded": [0, 0], "not_reminded": [0, 0]}
        for (_day, plan_id), counts in self.rows.items():
            key = "not_reminded" if plan_id is None else "reminded"
            rates[key][0] += counts.no_shows
            rates[key][1] += counts.attended + counts.no_shows
        return {k: (v[0], v[1]) for k, v in rates.items()}

    def table(self) -> list[tuple[date, str | None, Counts]]:
        """Rows with something in them, by day, then plan (not reminded last)."""
        return [
            (day, self.plans.get(plan_id, "?") if plan_id is not None else None, counts)
            for (day, plan_id), counts in sorted(
                self.rows.items(), key=lambda item: (item[0][0], item[0][1] is None, item[0][1])
            )
            if any(getattr(counts, f.name) for f in fields(counts))
        ]


def parse_day(text: str, name: str) -> date | None:
    """A date given in a query (YYYY-MM-DD); empty is none, anything else a 422 naming the field."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise InvalidInput("{name}: a date such as 2026-11-23", field=name, name=name) from None


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The days asked for: the last two weeks by default, at most MAX_DAYS."""
    end = end or today
    start = start or end - timedelta(days=13)
    if start > end:
        raise InvalidInput("the first day comes after the last", field="start")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput("at most {n} days at a time", field="start", n=MAX_DAYS)
    return start, end


def day_bucket(column, days: list[date]):
    """The index of the local day a moment falls on, computed by the database (-1: outside)."""
    zone = get_settings().zone
    edges = [datetime.combine(d, time(0), zone).astimezone(UTC) for d in days]
    edges.append(datetime.combine(days[-1] + timedelta(days=1), time(0), zone).astimezone(UTC))
    whens = [(and_(column >= edges[i], column < edges[i + 1]), i) for i in range(len(days))]
    return case(*whens, else_=-1), edges[0], edges[-1]


def _reminded():
    """appointment id -> the plan that reminded it (a reminder went out)."""
    return (
        select(OutboundSms.appointment_id, func.min(OutboundSms.plan_id).label("plan_id"))
        .where(OutboundSms.kind == SmsKind.reminder, col(OutboundSms.sent_at).is_not(None))
        .group_by(OutboundSms.appointment_id)
        .subquery()
    )


def build(db: Session, *, start: date, end: date, plan_id: int | None = None) -> Report:
    """Count reminders, replies and attendance per plan and local day between start and end."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    plans = {p.id: p.name for p in db.exec(select(ReminderPlan))}
    report = Report(start, end, days, plans)
    _count_reminders(db, report, plan_id)
    _count_replies(db, report, plan_id)
    _count_attendance(db, report, plan_id)
    return report


def _count_reminders(db: Session, report: Report, plan_id: int | None) -> None:
    moment = func.coalesce(OutboundSms.sent_at, OutboundSms.status_at)
    bucket, first, last = day_bucket(moment, report.days)
    query = (
        select(
            OutboundSms.plan_id,
            bucket,
            func.count(OutboundSms.sent_at),
            func.sum(case((OutboundSms.status == SmsStatus.delivered, 1), else_=0)),
            func.sum(case((col(OutboundSms.status).in_(FAILED), 1), else_=0)),
        )
        .where(
            OutboundSms.kind == SmsKind.reminder,
            col(OutboundSms.plan_id).is_not(None),
            moment >= first,
            moment < last,
        )
        .group_by(OutboundSms.plan_id, bucket)
    )
    if plan_id is not None:
        query = query.where(OutboundSms.plan_id == plan_id)
    for plan, index, sent, delivered, failed in db.exec(query):
        if index >= 0:
            counts = report.counts(report.days[index], plan)
            counts.sent, counts.delivered, counts.failed = sent, delivered or 0, failed or 0


def _count_replies(db: Session, report: Report, plan_id: int | None) -> None:
    reminded = _reminded()
    bucket, first, last = day_bucket(InboundSms.received_at, report.days)
    query = (
        select(reminded.c.plan_id, bucket, InboundSms.intent, func.count())
        .join(reminded, reminded.c.appointment_id == InboundSms.appointment_id)
        .where(
            col(InboundSms.intent).in_(list(REPLIES)),
            InboundSms.received_at >= first,
            InboundSms.received_at < last,
        )
        .group_by(reminded.c.plan_id, bucket, InboundSms.intent)
    )
    if plan_id is not None:
        query = query.where(reminded.c.plan_id == plan_id)
    for plan, index, intent, number in db.exec(query):
        if index >= 0:
            counts = report.counts(report.days[index], plan)
            setattr(counts, REPLIES[Intent(intent)], number)


def _count_attendance(db: Session, report: Report, plan_id: int | None) -> None:
    reminded = _reminded()
    bucket, first, last = day_bucket(Appointment.starts_at, report.days)
    query = (
        select(reminded.c.plan_id, bucket, Appointment.status, func.count())
        .select_from(Appointment)
        .outerjoin(reminded, reminded.c.appointment_id == Appointment.id)
        .where(
            col(Appointment.status).in_([AppointmentStatus.attended, AppointmentStatus.no_show]),
            Appointment.starts_at >= first,
            Appointment.starts_at < last,
        )
        .group_by(reminded.c.plan_id, bucket, Appointment.status)
    )
    for plan, index, status, number in db.exec(query):
        if index < 0 or (plan_id is not None and plan not in (plan_id, None)):
            continue
        counts = report.counts(report.days[index], plan)
        if status == AppointmentStatus.attended:
            counts.attended = number
        else:
            counts.no_shows = number


COLUMNS = [f.name for f in fields(Counts)]


def safe_cell(text: str) -> str:
    """A name a spreadsheet would read as a formula, quoted so it stays text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(report: Report, *, not_reminded: str) -> str:
    """The table as CSV; a plan name that a spreadsheet would read as a formula is quoted."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day", "plan", *COLUMNS])
    for day, plan, counts in report.table():
        name = safe_cell(plan if plan is not None else not_reminded)
        writer.writerow([day.isoformat(), name, *(getattr(counts, c) for c in COLUMNS)])
    return out.getvalue()
