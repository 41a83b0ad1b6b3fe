"""The local mailbox's storage (connectors.mailbox.MailboxStore) and what its page shows."""

from email import message_from_string
from email.message import Message
from email.policy import default

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from app.newsletters.models import MailboxMessage


class DatabaseMailbox:
    """MailboxStore in carepost's database; each call in its own short transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, envelope_from: str, to: str, raw: bytes) -> str:
        with Session(self.engine) as db:
            row = MailboxMessage(address=to, envelope_from=envelope_from, raw=raw.decode())
            db.add(row)
            db.commit()
            return f"mailbox-{row.id}"

    def find(self, to: str, message_id: str) -> str | None:
        with Session(self.engine) as db:
            query = select(MailboxMessage.id).where(
                MailboxMessage.address == to,
                col(MailboxMessage.raw).contains(f"Message-ID: {message_id}"),
            )
            found = db.exec(query.limit(1)).first()
            return f"mailbox-{found}" if found else None


def addresses(db: Session) -> list[tuple[int, str, int]]:
    """Each address the mailbox holds mail for: (latest id, address, count), newest first."""
    query = (
        select(func.max(MailboxMessage.id), MailboxMessage.address, func.count())
        .group_by(MailboxMessage.address)
        .order_by(func.max(MailboxMessage.id).desc())
    )
    return list(db.exec(query))


def messages(db: Session, address: str) -> list[MailboxMessage]:
    query = select(MailboxMessage).where(MailboxMessage.address == address)
    return list(db.exec(query.order_by(col(MailboxMessage.id).desc())))


def parsed(row: MailboxMessage) -> Message:
    return message_from_string(row.raw, policy=default)


def html_part(mail: Message) -> str:
    part = mail.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else ""
