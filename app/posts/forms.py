"""Turning the compose form and CSV rows (local practice time) into PostCreate."""

from datetime import date, datetime, time

from pydantic import ValidationError

from app.errors import InvalidInput
from app.posts.models import PostCreate
from app.settings import get_settings


def whole_number(value: object, limit: int = 2**31 - 1) -> int | None:
    """A form field of ASCII digits as an int within limit, else None ("²" is a digit to Python)."""
    text = str(value or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= limit:
        return int(text)
    return None


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


def schema_error(error: ValidationError) -> InvalidInput:
    """The first problem of a PostCreate as a message the catalogue can translate."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first.get("loc") else None
    kind, context = first.get("type", ""), first.get("ctx") or {}
    if kind == "value_error":
        return InvalidInput(str(context.get("error", first["msg"])), field=field)
    if field == "text" and kind == "string_too_short":
        return InvalidInput("write the post's text", field=field)
    if kind == "string_too_long":
        return InvalidInput(
            "{name}: at most {limit} characters",
            field=field,
            name=field,
            limit=context.get("max_length", ""),
        )
    if field == "channels":
        return InvalidInput("choose at least one channel", field=field)
    return InvalidInput("{name}: this value is not valid", field=field, name=field)


def post_from_form(
    form: dict, channel_ids: list[str], overrides: dict[str, str], parts: list[str] = ()
) -> PostCreate:
    """Build the PostCreate a form describes (a part box left empty is no part); errors name the
    field."""
    if len(parts) > 24:
        raise InvalidInput("a thread has at most {n} parts", field="parts", n=25)
    try:
        return PostCreate(
            text=form.get("text", ""),
            link=(form.get("link") or "").strip() or None,
            channels=[n for n in map(whole_number, channel_ids) if n is not None],
            channel_texts={k: v for k, v in overrides.items() if v.strip()},
            scheduled_at=local_moment(form.get("date", ""), form.get("time", "")),
            health_claim=form.get("health_claim") in ("on", "true", "1"),
            recurrence=recurrence_from(form),
            parts=[p for p in parts if p.strip()],
        )
    except ValidationError as error:
        raise schema_error(error) from None
