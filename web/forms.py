"""Turning validation errors into one readable sentence for a form or an API answer."""

from pydantic import ValidationError

from app.i18n import N_, Message, join

# Field names as the forms label them.
FIELDS = {
    "username": N_("Username"),
    "password": N_("Password"),
    "display_name": N_("Display name (pseudonym)"),
    "real_name": N_("Real name"),
    "email": N_("E-mail"),
    "role": N_("Role"),
    "licence_number": N_("Licence number"),
    "specialty": N_("Specialty"),
    "title": N_("Title"),
    "text": N_("Text"),
    "body": N_("Text"),
    "link": N_("Link"),
    "name": N_("Name"),
    "description": N_("Description"),
    "rules": N_("Group rules"),
    "visibility": N_("Visibility"),
    "topic": N_("Topic"),
    "kind": N_("Kind"),
    "reason": N_("Reason"),
    "comment": N_("Comment"),
    "scheduled_at": N_("Date"),
    "date": N_("Date"),
    "time": N_("Time"),
    "starts_at": N_("Date"),
    "channels": N_("Channels"),
    "channel_ids": N_("Channels"),
    "until": N_("Until"),
    "interval": N_("Every"),
    "weekday": N_("Weekday"),
    "locale": N_("Language"),
}

REQUIRED = N_("this field is required")
# Pydantic's error types in plain words; the limits come from the error's context.
PROBLEMS = {
    "missing": REQUIRED,
    "string_too_short": N_("use at least {min_length} characters"),
    "string_too_long": N_("use at most {max_length} characters"),
    "too_long": N_("too many items (at most {max_length})"),
    "string_pattern_mismatch": N_("this text has characters that are not allowed"),
    "string_type": N_("text is required"),
    "int_parsing": N_("write a whole number"),
    "int_type": N_("write a whole number"),
    "int_from_float": N_("write a whole number"),
    "float_parsing": N_("write a number"),
    "float_type": N_("write a number"),
    "bool_parsing": N_("choose yes or no"),
    "bool_type": N_("choose yes or no"),
    "greater_than": N_("must be more than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "enum": N_("choose one of: {expected}"),
    "literal_error": N_("choose one of: {expected}"),
    "datetime_parsing": N_("write a date and time like 2026-12-01 09:30"),
    "datetime_from_date_parsing": N_("write a date and time like 2026-12-01 09:30"),
    "datetime_type": N_("write a date and time like 2026-12-01 09:30"),
    "date_parsing": N_("write a date like 2026-12-01"),
    "date_from_datetime_parsing": N_("write a date like 2026-12-01"),
    "timezone_aware": N_("the time needs a UTC offset, e.g. 2026-12-01T09:00:00+01:00"),
    "url_parsing": N_("write a full link starting with https://"),
    "url_scheme": N_("write a full link starting with https://"),
    "json_invalid": N_("the request is not valid JSON"),
    "list_type": N_("a list is required"),
    "dict_type": N_("an object is required"),
    "model_attributes_type": N_("an object is required"),
}
USERNAME_RULE = N_("use 3 to 40 lowercase letters, digits, '.', '_' or '-'")


def _problem(item: dict) -> Message:
    """The problem in plain words; its English text stays pydantic's own for API clients."""
    kind = item.get("type", "")
    context = {k: v for k, v in (item.get("ctx") or {}).items() if isinstance(v, str | int | float)}
    location = [str(part) for part in item.get("loc", ())]
    english = str(item.get("msg") or "").removeprefix("Value error, ")
    if kind == "string_pattern_mismatch" and location and location[-1] == "username":
        return Message(USERNAME_RULE)
    if kind == "string_too_short" and context.get("min_length") == 1:
        return Message(REQUIRED, english=english)
    if kind in PROBLEMS:
        return Message(PROBLEMS[kind], english=english, **context)
    # A validator's own words: the message is in the catalogue when the validator marks it.
    return Message(english)


def describe_errors(errors: list[dict]) -> Message:
    """'field: problem; field: problem' from pydantic/FastAPI error dicts: field names and
    problems in the reader's language on pages, pydantic's words and field keys in the API."""
    parts = []
    for item in errors:
        location = [
            str(part)
            for part in item.get("loc", ())
            if part not in ("body", "query", "path", "form")
        ]
        problem = _problem(item)
        if location:
            path = ".".join(location)
            field = location[-1]
            where = Message(FIELDS[field], english=path) if field in FIELDS else path
            parts.append(Message("{field}: {problem}", field=where, problem=problem))
        else:
            parts.append(problem)
    return join(parts)


def validation_message(error: ValidationError) -> Message:
    return describe_errors(error.errors())


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after log-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
