"""The analytics page (admins and marketing): posts, SMS and e-mail per week, drawn, tabled, as CSV."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.analytics import service as analytics
from app.appointments import reports
from app.clock import utcnow
from app.deps import MarketingUser, SessionDep
from app.errors import InvalidInput
from app.settings import get_settings
from web.charts import COLOURS, grouped_bars
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["analytics"])


def _build(db, start: str, end: str) -> analytics.Analytics:
    today = utcnow().astimezone(get_settings().zone).date()
    first, last = analytics.period(
        reports.parse_day(start, "start"), reports.parse_day(end, "end"), today
    )
    return analytics.build(db, start=first, end=last)


def _label(week: str) -> str:
    """2026-W48 → W48: the chart's axis has little room."""
    return week.split("-", 1)[-1]


@pages.get("/analytics", name="analytics")
def analytics_page(
    request: Request, db: SessionDep, _user: MarketingUser, start: str = "", end: str = ""
):
    """Posts per channel, SMS reminders and newsletters per ISO week, with charts."""
    result = _build(db, start, end)
    has = {
        "posts": bool(result.posts),
        "engagement": any(row.engagement for row in result.posts),
        "sms": any(r.sent or r.confirmed or r.opt_outs for r in result.sms),
        "email": any(r.sent or r.bounced or r.clicks for r in result.email),
    }
    context = {"result": result, "charts": _charts(result, has), "colours": COLOURS, "has": has}
    return render(request, "analytics/index.html", context)


def _charts(result: analytics.Analytics, has: dict[str, bool]) -> dict:
    """The bar charts of the parts that have figures (a week per group, a bar per series)."""
    charts = {}
    if has["posts"]:
        for what in ("published", "engagement"):
            charts[what] = grouped_bars([(_label(w), v) for w, v in result.post_totals(what)])
    if has["sms"]:
        charts["sms"] = grouped_bars(
            [(_label(r.week), [r.sent, r.delivered, r.confirmed, r.failed]) for r in result.sms]
        )
    if has["email"]:
        charts["email"] = grouped_bars(
            [(_label(r.week), [r.sent, r.bounced, r.clicks, r.unsubscribed]) for r in result.email]
        )
    return charts


@pages.get("/analytics.csv", name="analytics_csv")
def analytics_csv(
    db: SessionDep, _user: MarketingUser, part: str = "posts", start: str = "", end: str = ""
):
    if part not in analytics.PARTS:
        raise InvalidInput("part: one of {parts}", field="part", parts=", ".join(analytics.PARTS))
    result = _build(db, start, end)
    name = f"{part}-{result.start}-{result.end}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(
        analytics.to_csv(result, part), media_type="text/csv; charset=utf-8", headers=headers
    )
