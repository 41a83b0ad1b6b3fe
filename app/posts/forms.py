"""Turning the compose form and CSV rows (local practice time) into PostCreate."""

from datetime import date, datetime, time

from pydantic import ValidationError

from app.errors import InvalidInput
from app.posts.models import PostCreate
from app.settings import get_settings
from web.forms import validation_message


def local_moment(day: str, clock: str) -> datetime | None:
    """A date and a time typed in the practice's zone, as an aware datetime (None when both are empty)."""
    if not day and not clock:
        return None
    try:
        parsed_day = date.fromisoformat(day.strip())
        parsed_time = time.fromisoformat(clock.strip() or "09:00")
    except ValueError:
        raise InvalidInput(
            "use a date like 2026-12-01 and a time like 09:30", field="scheduled_at"
        ) from None
    return datetime.combine(parsed_day, parsed_time, tzinfo=get_settings().zone)


def recurrence_from(form: dict) -> dict | None:
    freq = (form.get("recurrence") or "").strip()
    if not freq:
        return None
    rule = {"freq": freq, "interval": form.get("interval") or 1, "until": form.get("until") or None}
    if freq == "nth_weekday":
        rule |= {"n": form.get("n") or 1, "weekday": form.get("weekday") or 0}
    return rule


def post_from_form(form: dict, channel_ids: list[str], overrides: dict[str, str]) -> PostCreate:
    """Build the PostCreate a form describes; errors name the field."""
    try:
        return PostCreate(
            text=form.get("text", ""),
            link=(form.get("link") or "").strip() or None,
            channels=[int(c) for c in channel_ids if c.isascii() and c.isdigit()],
            channel_texts={k: v for k, v in overrides.items() if v.strip()},
            scheduled_at=local_moment(form.get("date", ""), form.get("time", "")),
            health_claim=form.get("health_claim") in ("on", "true", "1"),
            recurrence=recurrence_from(form),
        )
    except ValidationError as error:
        raise InvalidInput(validation_message(error)) from None
