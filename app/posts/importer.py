"""Bulk import of a month of posts from CSV: every row checked, nothing stored unless all are clean."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlmodel import Session

from app.accounts.models import User
from app.errors import DomainError
from app.posts import service as posts
from app.posts.forms import local_moment
from app.posts.models import Post, PostCreate
from web.forms import validation_message

COLUMNS = ("date", "time", "channels", "text", "link")
MAX_ROWS = 2000


@dataclass
class ImportResult:
    created: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _rows(content: str) -> tuple[list[dict], list[str]]:
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header and c != "link"]
    if missing:
        return [], [
            f"the header must name the columns {', '.join(COLUMNS)} (missing: {', '.join(missing)})"
        ]
    reader.fieldnames = header
    rows = list(reader)
    if len(rows) > MAX_ROWS:
        return [], [f"at most {MAX_ROWS} rows per file"]
    return rows, [] if rows else ["the file has no rows"]


def _row_post(row: dict) -> PostCreate:
    channels = [
        c.strip() for c in (row.get("channels") or "").replace("|", ";").split(";") if c.strip()
    ]
    try:
        return PostCreate(
            text=(row.get("text") or "").strip(),
            link=(row.get("link") or "").strip() or None,
            channels=channels,
            scheduled_at=local_moment(row.get("date") or "", row.get("time") or ""),
            health_claim=(row.get("health_claim") or "").strip().lower()
            in ("1", "yes", "true", "sí", "si"),
        )
    except ValidationError as error:
        raise DomainError(validation_message(error)) from None


def import_csv(
    *, db: Session, author: User, content: str, progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Check and create every row in one savepoint; any problem anywhere rolls all of it back."""
    rows, problems = _rows(content)
    result = ImportResult(errors=problems)
    if problems:
        return result
    savepoint = db.begin_nested()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            data = _row_post(row)
            if data.scheduled_at is None:
                raise DomainError("date: a date and time are required")
            with db.begin_nested():
                result.created.append(posts.create(db=db, author=author, data=data).id)
        except DomainError as error:
            field_name = f"{error.field}: " if error.field else ""
            result.errors.append(f"row {number}: {field_name}{error.message}")
        if progress:
            progress(1)
    if result.errors:
        savepoint.rollback()
        result.created = []
    else:
        savepoint.commit()
    return result


def export_csv(*, db: Session, items: list[Post]) -> str:
    """The queue as CSV, in the practice's local time, with each channel's delivery state."""
    from app.settings import get_settings

    zone = get_settings().zone
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "status", "date", "time", "channels", "text", "link", "health_claim", "deliveries"]
    )
    for post in items:
        local = post.scheduled_at.astimezone(zone) if post.scheduled_at else None
        targets = posts.targets(db=db, post=post)
        deliveries = posts.deliveries_of(db=db, post=post)
        writer.writerow(
            [
                post.id,
                post.status,
                f"{local:%Y-%m-%d}" if local else "",
                f"{local:%H:%M}" if local else "",
                ";".join(c.name for _t, c in targets),
                post.text,
                post.link or "",
                "yes" if post.health_claim else "",
                "; ".join(f"{c.name}={d.status}" for d, c in deliveries),
            ]
        )
    return out.getvalue()
