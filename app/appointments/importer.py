"""Appointments from the practice software's CSV export: all rows or none, every problem at once."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session

from app.accounts.models import User
from app.appointments import service as appointments
from app.appointments.schemas import AppointmentIn
from app.settings import get_settings
from web.forms import validation_message

COLUMNS = ("external_id", "name", "phone", "date", "time")
MAX_ROWS = 5000


@dataclass
class ImportResult:
    saved: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _start(row: dict) -> datetime:
    text = f"{(row.get('date') or '').strip()} {(row.get('time') or '').strip()}"
    for pattern in ("%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=get_settings().zone)
        except ValueError:
            continue
    raise ValueError("date and time: use YYYY-MM-DD (or DD/MM/YYYY) and HH:MM")


def _row(row: dict) -> AppointmentIn:
    try:
        start = _start(row)
    except ValueError as error:
        raise ValueError(str(error)) from None
    values = {
        "external_id": (row.get("external_id") or "").strip(),
        "source": (row.get("source") or "csv").strip() or "csv",
        "starts_at": start,
        "name": (row.get("name") or "").strip(),
        "phone": (row.get("phone") or "").strip(),
        "language": (row.get("language") or "es").strip().lower() or "es",
        "clinician": (row.get("clinician") or "").strip(),
        "place": (row.get("place") or "").strip(),
    }
    if (row.get("status") or "").strip():
        values["status"] = row["status"].strip().lower()
    return AppointmentIn(**values)


def import_csv(*, db: Session, content: str, actor: User) -> ImportResult:
    """Check every row, then save them all (an existing booking is updated, not duplicated)."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return ImportResult(
            errors=[
                f"the header must name the columns {', '.join(COLUMNS)} (missing: {', '.join(missing)})"
            ]
        )
    reader.fieldnames = header
    rows = list(reader)
    if not rows or len(rows) > MAX_ROWS:
        return ImportResult(
            errors=["the file has no rows" if not rows else f"at most {MAX_ROWS} rows per file"]
        )
    result, checked = ImportResult(), []
    for number, row in enumerate(rows, start=2):
        try:
            checked.append(_row(row))
        except ValidationError as error:
            result.errors.append(f"row {number}: {validation_message(error)}")
        except ValueError as error:
            result.errors.append(f"row {number}: {error}")
    if result.errors:
        return result
    for data in checked:
        result.saved.append(appointments.upsert(db=db, data=data, actor=actor).id)
    return result
