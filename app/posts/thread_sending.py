"""Sending a thread on X part by part, each chained to the one before and sent exactly once.

Each part's send is written before the call (`sending`) and when it went out (`sent`, with the
tweet's id), each in a short transaction of its own. A retry or a crash therefore resumes after the
last part sent; a part left `sending` (a crash, or an answer that never came) is looked up on X
first, and sent only when it is not there. A part that fails stops the rest.
"""

from dataclasses import replace
from datetime import datetime

from sqlalchemy import update
from sqlmodel import select

from app.channels import gateway
from app.clock import utcnow
from app.database import session_scope
from app.posts.thread_models import PartState, ThreadPartSend
from connectors.base import ChannelError, Draft, ErrorKind, Published


def _sends(job) -> dict[int, ThreadPartSend]:
    with session_scope() as db:
        rows = db.exec(
            select(ThreadPartSend).where(
                ThreadPartSend.post_id == job.post_id,
                ThreadPartSend.channel_id == job.channel.id,
            )
        ).all()
        for row in rows:
            db.expunge(row)
        return {row.position: row for row in rows}


def _taken(job) -> set[str]:
    with session_scope() as db:
        query = select(ThreadPartSend.remote_id).where(
            ThreadPartSend.channel_id == job.channel.id,
            ThreadPartSend.state == PartState.sent,
        )
        return {r for r in db.exec(query) if r}


def _mark_sending(job, position: int) -> None:
    """Written before the call: from here on the part is looked up before any resend."""
    with session_scope() as db:
        values = {"state": PartState.sending, "started_at": utcnow(), "error": None}
        done = db.execute(
            update(ThreadPartSend)
            .where(
                ThreadPartSend.post_id == job.post_id,
                ThreadPartSend.channel_id == job.channel.id,
                ThreadPartSend.position == position,
                ThreadPartSend.state != PartState.sent,
            )
            .values(delivery_id=job.delivery_id, **values)
        ).rowcount
        if not done:
            db.add(
                ThreadPartSend(
                    post_id=job.post_id,
                    channel_id=job.channel.id,
                    position=position,
                    delivery_id=job.delivery_id,
                    **values,
                )
            )


def _mark(job, position: int, **values) -> None:
    with session_scope() as db:
        db.execute(
            update(ThreadPartSend)
            .where(
                ThreadPartSend.post_id == job.post_id,
                ThreadPartSend.channel_id == job.channel.id,
                ThreadPartSend.position == position,
            )
            .values(**values)
        )


def _look_up(job, draft: Draft, previous: str | None, since: datetime) -> Published | None:
    """The part on X when it went out after all: the first part by its text, later ones as the
    account's reply with this text to the part before."""

    def find(connector):
        if previous is None:
            return connector.find_published(draft, since)
        return connector.find_replies(previous, draft.body, since)

    taken = _taken(job)
    found = [p for p in gateway.call(job.channel, find) if p.remote_id not in taken]
    if len(found) > 1:
        raise ChannelError(
            ErrorKind.final,
            "the part may have gone out, but carepost cannot tell which post on X is this one's; "
            "check the thread on X before sending it again",
            code="ambiguous",
        )
    return found[0] if found else None


def _part_error(error: ChannelError, position: int, total: int) -> ChannelError:
    return ChannelError(
        error.kind,
        f"part {position} of {total}: {error.message}"[:500],
        retry_at=error.retry_at,
        reconnect=error.reconnect,
        code=error.code,
    )


def _send_part(job, position: int, draft: Draft, row: ThreadPartSend | None) -> Published:
    found = None
    if row is not None and row.state == PartState.sending:
        found = _look_up(job, replace(draft, reply_to=None), draft.reply_to, row.started_at)
    if found is not None:
        return found
    _mark_sending(job, position)
    try:
        return gateway.call(job.channel, lambda c: c.publish(draft))
    except ChannelError as error:
        # An unknown outcome stays `sending`: the next try looks it up before sending again.
        state = PartState.sending if error.kind == ErrorKind.unknown else PartState.failed
        _mark(job, position, state=state, error=error.message[:500])
        raise


def send(job) -> Published:
    """Send what is left of the thread; the result is the first part this delivery sent."""
    sends = _sends(job)
    previous: str | None = None
    own: Published | None = None
    for position, draft in job.parts:
        row = sends.get(position)
        if row is None or row.state != PartState.sent:
            try:
                result = _send_part(job, position, replace(draft, reply_to=previous), row)
            except ChannelError as error:
                raise _part_error(error, position, job.parts[-1][0]) from None
            _mark(
                job,
                position,
                state=PartState.sent,
                remote_id=result.remote_id,
                remote_url=result.url,
                sent_at=utcnow(),
                error=None,
                delivery_id=job.delivery_id,
            )
            row = ThreadPartSend(
                post_id=job.post_id,
                channel_id=job.channel.id,
                position=position,
                delivery_id=job.delivery_id,
                state=PartState.sent,
                remote_id=result.remote_id,
                remote_url=result.url,
            )
        previous = row.remote_id
        if own is None and row.delivery_id == job.delivery_id:
            own = Published(row.remote_id, row.remote_url)
    if own is None:
        raise ChannelError(
            ErrorKind.final, "nothing of this thread was left to send", code="thread"
        )
    return own
