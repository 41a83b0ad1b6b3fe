"""Writing and reading the audit log; details are checked so no body, token or health data lands here."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.clock import utcnow

# Keys whose values could carry message bodies, secrets or health data: never stored.
FORBIDDEN_KEYS = frozenset(
    {
        "text",
        "body",
        "message",
        "content",
        "password",
        "token",
        "secret",
        "diagnosis",
        "comment",
        "answer",
        "question",
        "real_name",
        "email",
        "phone",
        "note",
    }
)
MAX_VALUE_LENGTH = 120


def clean_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """Reject keys that could hold sensitive data and values that are not short scalars."""
    for key, value in detail.items():
        if key.lower() in FORBIDDEN_KEYS:
            raise ValueError(f"audit detail key {key!r} may carry sensitive data")
        if value is not None and not isinstance(value, bool | int | float | str):
            raise ValueError(f"audit detail {key!r} must be a scalar")
        if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
            raise ValueError(f"audit detail {key!r} is longer than {MAX_VALUE_LENGTH} characters")
    return dict(detail)


def record(
    db: Session | Connection,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | str | None = None,
    ip: str | None = None,
    **detail: Any,
) -> None:
    """Append one event; it commits with the caller's transaction (a plain INSERT: it is never read back)."""
    connection = db.connection() if isinstance(db, Session) else db
    connection.execute(
        insert(AuditEvent).values(
            at=utcnow(),
            actor_id=actor.id if actor else None,
            actor_label=actor.username if actor else "system",
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            ip=ip,
            detail=clean_detail(detail),
        )
    )


_SYSTEM_EVENT = insert(AuditEvent).values(actor_id=None, actor_label="system", ip=None)


def record_system(
    conn: Connection, *, action: str, object_type: str, object_id: int | str, **detail: Any
) -> None:
    """`record` for events without a person (the dispatcher's), with a statement built once."""
    conn.execute(
        _SYSTEM_EVENT,
        {
            "at": utcnow(),
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "detail": clean_detail(detail),
        },
    )


def record_system_many(
    conn: Connection, *, action: str, object_type: str, object_ids: list[int | str], **detail: Any
) -> None:
    """`record_system` for many objects with the same detail, in one batched INSERT."""
    if not object_ids:
        return
    at, detail = utcnow(), clean_detail(detail)
    conn.execute(
        _SYSTEM_EVENT,
        [
            {
                "at": at,
                "action": action,
                "object_type": object_type,
                "object_id": str(object_id),
                "detail": detail,
            }
            for object_id in object_ids
        ],
    )


def list_events(
    db: Session,
    *,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[AuditEvent]:
    """Newest first, filtered; before_id is the cursor for the next page."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor_label == actor.lower())
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    return list(db.exec(query))


def known_actions(db: Session) -> list[str]:
    """Distinct action names, for the filter menu."""
    return sorted(db.exec(select(AuditEvent.action).distinct()))
