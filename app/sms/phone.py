"""The local phone's storage (connectors.phone.PhoneStore) and its conversations for the demo page."""

from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.sms.models import PhoneMessage


class DatabasePhone:
    """PhoneStore in carepost's database; each call in its own short transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, number: str, body: str) -> str:
        with Session(self.engine) as db:
            row = PhoneMessage(number=number, text=body)
            db.add(row)
            db.commit()
            return f"phone-{row.id}"

    def find(self, number: str, body: str, since: datetime) -> str | None:
        with Session(self.engine) as db:
            query = select(PhoneMessage.id).where(
                PhoneMessage.number == number,
                col(PhoneMessage.inbound).is_(False),
                PhoneMessage.text == body,
                col(PhoneMessage.created_at) >= since,
            )
            found = db.exec(query.limit(1)).first()
            return f"phone-{found}" if found else None


def numbers(db: Session) -> list[tuple[int, str, int]]:
    """Each number the phone has seen: (its latest message id, number, message count), newest first."""
    query = (
        select(func.max(PhoneMessage.id), PhoneMessage.number, func.count())
        .group_by(PhoneMessage.number)
        .order_by(func.max(PhoneMessage.id).desc())
    )
    return list(db.exec(query))


def conversation(db: Session, number: str) -> list[PhoneMessage]:
    query = select(PhoneMessage).where(PhoneMessage.number == number)
    return list(db.exec(query.order_by(col(PhoneMessage.id))))


def write_reply(db: Session, number: str, text: str) -> PhoneMessage:
    """What the patient typed on the phone, before carepost reads it as an inbound SMS."""
    row = PhoneMessage(number=number, inbound=True, text=text, created_at=utcnow())
    db.add(row)
    db.flush()
    return row
