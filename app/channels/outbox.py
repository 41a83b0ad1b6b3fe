"""The outbox channel's storage: a table in carepost's database, each call in its own short transaction."""

import threading
from datetime import datetime

from sqlmodel import Session, col, func, select

from app.channels.models import OutboxComment, OutboxMessage
from connectors.base import ChannelError, Comment, ErrorKind

# The outbox answers from carepost's own database: however many deliveries a worker keeps in flight,
# only a few of them write here at once, so that they do not take every database connection.
_WRITERS = threading.BoundedSemaphore(8)


class DatabaseOutbox:
    """The outbox connector's storage: a table in carepost's database, in its own short transaction."""

    def __init__(self, engine):
        self.engine = engine

    def add(
        self,
        channel_id: int,
        text: str,
        link: str | None,
        media_count: int,
        reference: str | None = None,
    ) -> str:
        with _WRITERS, Session(self.engine) as db:
            message = OutboxMessage(
                channel_id=channel_id,
                text=text,
                link=link,
                media_count=media_count,
                reference=reference,
            )
            db.add(message)
            db.commit()
            return str(message.id)

    def find(
        self, channel_id: int, *, reference: str | None, text: str, since: datetime
    ) -> list[tuple[str, datetime, str | None]]:
        query = select(OutboxMessage).where(OutboxMessage.channel_id == channel_id)
        if reference is not None:
            query = query.where(OutboxMessage.reference == reference)
        else:
            query = query.where(OutboxMessage.text == text, OutboxMessage.created_at >= since)
        with _WRITERS, Session(self.engine) as db:
            return [
                (str(m.id), m.created_at, m.reference)
                for m in db.exec(query.order_by(col(OutboxMessage.id).desc()))
            ]

    def counters(self, remote_id: str) -> dict[str, int]:
        with Session(self.engine) as db:
            query = select(func.count()).where(
                OutboxComment.message_id == int(remote_id), col(OutboxComment.hidden).is_(False)
            )
            return {"comments": db.exec(query).one()}

    def comments(self, remote_id: str, since: datetime | None) -> list[Comment]:
        with Session(self.engine) as db:
            query = select(OutboxComment).where(
                OutboxComment.message_id == int(remote_id), col(OutboxComment.from_page).is_(False)
            )
            if since is not None:
                query = query.where(OutboxComment.created_at >= since)
            return [
                Comment(
                    remote_id=str(c.id),
                    text=c.text,
                    author=c.author_name,
                    created_at=c.created_at,
                    parent_id=str(c.parent_id) if c.parent_id else None,
                )
                for c in db.exec(query.order_by(col(OutboxComment.id)))
            ]

    def hide_comment(self, comment_id: str, hidden: bool) -> None:
        with Session(self.engine) as db:
            comment = db.get(OutboxComment, int(comment_id))
            if comment is None:
                raise ChannelError(ErrorKind.final, "the comment no longer exists on the outbox")
            comment.hidden = hidden
            db.add(comment)
            db.commit()

    def reply(self, comment_id: str, text: str) -> str:
        with Session(self.engine) as db:
            comment = db.get(OutboxComment, int(comment_id))
            if comment is None:
                raise ChannelError(ErrorKind.final, "the comment no longer exists on the outbox")
            answer = OutboxComment(
                message_id=comment.message_id,
                parent_id=comment.id,
                author_name="the practice",
                text=text,
                from_page=True,
            )
            db.add(answer)
            db.commit()
            return str(answer.id)

    def replies(self, comment_id: str, since: datetime) -> list[tuple[str, datetime, str]]:
        with Session(self.engine) as db:
            query = select(OutboxComment).where(
                OutboxComment.parent_id == int(comment_id),
                col(OutboxComment.from_page).is_(True),
                OutboxComment.created_at >= since,
            )
            return [
                (str(c.id), c.created_at, c.text)
                for c in db.exec(query.order_by(col(OutboxComment.id).desc()))
            ]
