"""Bulk import of a month of posts from CSV: every row checked first, nothing stored unless all are clean."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import update
from sqlmodel import Session, col

from app.accounts.models import User
from app.errors import DomainError, InvalidInput
from app.posts import checks
from app.posts import service as posts
from app.posts.forms import local_moment, schema_error
from app.posts.models import Post, PostCreate, PostStatus
from app.settings import get_settings

COLUMNS = ("date", "time", "channels", "text", "link")
MAX_ROWS = 2000
# Rows stored per transaction: a long import never holds SQLite's write lock for long.
BATCH_SIZE = 100


@dataclass
class Problem:
    """What is wrong with one row (or with the file when row is None)."""

    error: DomainError
    row: int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}: " if self.row else ""
        field_name = f"{self.error.field}: " if self.error.field else ""
        return f"{where}{field_name}{self.error.message}"


@dataclass
class ImportResult:
    created: list[int] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)


def _rows(content: str) -> tuple[list[dict], list[Problem]]:
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    rows: list[dict] = []
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in COLUMNS if c not in header and c != "link"]
        if missing:
            error = InvalidInput(
                "the header must name the columns {columns} (missing: {missing})",
                columns=", ".join(COLUMNS),
                missing=", ".join(missing),
            )
            return [], [Problem(error)]
        reader.fieldnames = header
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS:
                return [], [Problem(InvalidInput("at most {n} rows per file", n=MAX_ROWS))]
    except csv.Error:
        # Python's csv module refuses fields over 131,072 characters (and broken quoting).
        error = InvalidInput("a field is too long (over 131,072 characters) or badly quoted")
        return [], [Problem(error, row=reader.line_num or None)]
    return rows, [] if rows else [Problem(InvalidInput("the file has no rows"))]


def _row_post(row: dict) -> PostCreate:
    channels = [
        c.strip() for c in (row.get("channels") or "").replace("|", ";").split(";") if c.strip()
    ]
    try:
        data = PostCreate(
            text=(row.get("text") or "").strip(),
            link=(row.get("link") or "").strip() or None,
            channels=channels,
            scheduled_at=local_moment(row.get("date") or "", row.get("time") or ""),
            health_claim=(row.get("health_claim") or "").strip().lower()
            in ("1", "yes", "true", "sí", "si"),
        )
    except ValidationError as error:
        raise schema_error(error) from None
    if data.scheduled_at is None:
        raise InvalidInput("a date and time are required", field="date")
    return data


def _check_all(
    db: Session, rows: list[dict], progress: Callable[[int], None] | None
) -> tuple[list[checks.Checked], list[Problem]]:
    checked, problems = [], []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            checked.append(checks.check(db=db, data=_row_post(row)))
        except DomainError as error:
            problems.append(Problem(error, row=number))
        if progress:
            progress(1)
    return checked, problems


def _store(db: Session, author: User, checked: list[checks.Checked]) -> list[int]:
    """Create the posts batch by batch; scheduled ones stay drafts until the last batch is in."""
    created, held = [], []
    try:
        for start in range(0, len(checked), BATCH_SIZE):
            for item in checked[start : start + BATCH_SIZE]:
                post = posts.create(db=db, author=author, data=item.data, checked=item)
                created.append(post.id)
                if post.status == PostStatus.scheduled:
                    post.status = PostStatus.draft
                    held.append(post.id)
            db.commit()
        db.exec(update(Post).where(col(Post.id).in_(held)).values(status=PostStatus.scheduled))
        db.commit()
    except Exception:
        db.rollback()
        # Whatever was stored before the failure is cancelled: none of it goes out.
        db.exec(update(Post).where(col(Post.id).in_(created)).values(status=PostStatus.cancelled))
        db.commit()
        raise
    return created


def import_csv(
    *, db: Session, author: User, content: str, progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Check every row, then store them all in short batches; any problem anywhere stores nothing."""
    rows, problems = _rows(content)
    if problems:
        return ImportResult(errors=problems)
    checked, problems = _check_all(db, rows, progress)
    if problems:
        return ImportResult(errors=problems)
    db.commit()  # end the checks' read transaction before the first batch
    return ImportResult(created=_store(db, author, checked))


def export_csv(*, db: Session, items: list[Post]) -> str:
    """The queue as CSV, in the practice's local time, with each channel's delivery state."""
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
