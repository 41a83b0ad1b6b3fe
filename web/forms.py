"""Turning validation errors into one readable sentence for a form or an API answer."""

from pydantic import ValidationError


def describe_errors(errors: list[dict]) -> str:
    """'field: problem; field: problem' from pydantic/FastAPI error dicts."""
    parts = []
    for item in errors:
        location = [
            str(part)
            for part in item.get("loc", ())
            if part not in ("body", "query", "path", "form")
        ]
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        if "pattern" in message and location and location[-1] == "username":
            message = "use 3 to 40 lowercase letters, digits, '.', '_' or '-'"
        parts.append(f"{'.'.join(location)}: {message}" if location else message)
    return "; ".join(parts)


def validation_message(error: ValidationError) -> str:
    return describe_errors(error.errors())


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after log-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
