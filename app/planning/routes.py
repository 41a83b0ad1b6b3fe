"""The calendar, the posting schedule with each channel's best hours, and moving a planned post."""

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.channels import service as channels
from app.clock import utcnow
from app.deps import MarketingUser, PathId, PostViewer, SessionDep
from app.errors import DomainError, InvalidInput
from app.i18n import translator
from app.planning import best_time, slots
from app.planning import calendar as calendar_view
from app.planning import service as planning
from app.posts import service as posts
from app.posts.forms import whole_number
from app.settings import get_settings
from web.charts import heat_style
from web.flash import flash
from web.templating import render, request_locale

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["planning"])
# A calendar view to come back to after a move: month=YYYY-MM or week=YYYY-Www, maybe a filter.
BACK = re.compile(r"(month=\d{4}-\d{2}|week=\d{4}-W\d{2})(&show=(\d{1,9}|sms|email))?")


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _show(value: str) -> str:
    known = value in (calendar_view.SMS, calendar_view.EMAIL)
    return value if known or calendar_view.channel_filter(value) is not None else ""


@pages.get("/calendar", name="calendar")
def calendar_page(
    request: Request,
    db: SessionDep,
    user: PostViewer,
    month: str = "",
    week: str = "",
    show: str = "",
):
    try:
        view = calendar_view.build(db=db, month=month, week=week, show=_show(show))
    except (ValueError, OverflowError):
        raise InvalidInput(
            "use month=YYYY-MM or week=YYYY-Www, between {first} and {last}",
            field="month",
            first=calendar_view.FIRST_YEAR,
            last=calendar_view.LAST_YEAR,
        ) from None
    context = {
        "view": view,
        "channels": channels.list_channels(db=db),
        "can_plan": user.role in ("admin", "marketing"),
    }
    return render(request, "planning/calendar.html", context)


@pages.post("/posts/{post_id}/move", name="post_move")
def post_move(
    db: SessionDep,
    user: MarketingUser,
    post_id: PathId,
    request: Request,
    day: Annotated[str, Form(alias="date")] = "",
    back: Annotated[str, Form()] = "",
):
    """Move a planned post to another day (drag and drop, or the Move form), same local time."""
    post = posts.get(db=db, post_id=post_id)
    try:
        chosen = date.fromisoformat(day.strip())
    except ValueError:
        raise InvalidInput("use a date like 2026-12-01", field="date") from None
    try:
        planning.move_to_day(db=db, post=post, day=chosen, actor=user)
    except DomainError:
        db.rollback()
        raise
    flash(request, "Post #{id} moved to {date}.", id=post_id, date=chosen.isoformat())
    query = back if BACK.fullmatch(back) else f"month={chosen:%Y-%m}"
    return _see(f"/calendar?{query}")


def _schedule(request: Request, db, status: int = 200, **extra):
    listed = channels.list_channels(db=db, usable_only=True)
    by_channel: dict[int, list] = {c.id: [] for c in listed}
    for slot in slots.list_slots(db=db):
        by_channel.setdefault(slot.channel_id, []).append(slot)
    context = {
        "channels": listed,
        "slots": by_channel,
        "heat": best_time.heat_maps(db=db, channel_ids=[c.id for c in listed], now=utcnow()),
        "zone_name": get_settings().timezone,
        "heat_style": heat_style,
        "form": {},
        **extra,
    }
    return render(request, "planning/schedule.html", context, status)


@pages.get("/schedule", name="posting_schedule")
def schedule_page(request: Request, db: SessionDep, _user: MarketingUser):
    return _schedule(request, db)


@pages.post("/schedule/slots", name="posting_slot_add")
async def slot_add(request: Request, db: SessionDep, user: MarketingUser):
    form = await request.form()
    weekdays = [n for n in map(whole_number, form.getlist("weekdays")) if n is not None]
    try:
        channel_id = whole_number(form.get("channel"))
        if channel_id is None:
            raise InvalidInput("choose a channel", field="channel")
        minute = slots.parse_minute(str(form.get("time", "")))
        added = slots.add(
            db=db, channel_id=channel_id, weekdays=weekdays, minute=minute, actor=user
        )
    except DomainError as error:
        db.rollback()
        message = error.translated(translator(request_locale(request)))
        return _schedule(
            request, db, error.status_code, error=message, form=dict(form), weekdays=weekdays
        )
    flash(request, "{n} posting time(s) added.", n=added)
    return _see(f"/schedule#channel-{channel_id}")


@pages.post("/schedule/slots/{slot_id}/delete", name="posting_slot_remove")
def slot_remove(request: Request, db: SessionDep, user: MarketingUser, slot_id: PathId):
    slot = slots.remove(db=db, slot_id=slot_id, actor=user)
    flash(request, "Posting time removed.")
    return _see(f"/schedule#channel-{slot.channel_id}")
