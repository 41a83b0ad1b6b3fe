"""The audit log: append-only, and nothing sensitive in its details."""

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import select

from app.audit import service as audit
from app.audit.models import AuditEvent
from app.database import session_scope


@pytest.mark.parametrize("key", ["text", "token", "password", "diagnosis", "body"])
def test_sensitive_detail_keys_are_refused(key):
    with pytest.raises(ValueError, match=key):
        audit.clean_detail({key: "x"})


def test_long_or_structured_detail_values_are_refused():
    with pytest.raises(ValueError):
        audit.clean_detail({"channel": "x" * 500})
    with pytest.raises(ValueError):
        audit.clean_detail({"channels": ["x"]})


def test_events_cannot_be_changed_or_deleted(db_url):
    with session_scope() as db:
        audit.record(db, actor=None, action="test.event", object_type="thing", object_id=1)
        event_id = db.exec(select(AuditEvent.id).where(AuditEvent.action == "test.event")).one()
    with pytest.raises((IntegrityError, DBAPIError)), session_scope() as db:
        db.get(AuditEvent, event_id).action = "changed"
    with pytest.raises((IntegrityError, DBAPIError)), session_scope() as db:
        db.delete(db.get(AuditEvent, event_id))
    with session_scope() as db:
        assert (
            db.exec(select(AuditEvent.action).where(AuditEvent.id == event_id)).one()
            == "test.event"
        )


def test_listing_filters_and_pages_newest_first(db):
    for n in range(5):
        audit.record(db, actor=None, action="a" if n % 2 else "b", object_type="thing", object_id=n)
    db.flush()
    assert [e.object_id for e in audit.list_events(db=db, action="a")] == ["3", "1"]
    first = audit.list_events(db=db, limit=2)
    second = audit.list_events(db=db, limit=2, before_id=first[-1].id)
    assert [e.object_id for e in first + second] == ["4", "3", "2", "1"]
