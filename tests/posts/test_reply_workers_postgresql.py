"""Worker processes on PostgreSQL post replies to comments through the one engine: each exactly
once when two race for them, and none twice when a worker is killed between posting and recording."""

import signal

from sqlalchemy import func, insert, text
from sqlmodel import col, select

from app.channels.models import OutboxComment, OutboxMessage
from app.clock import utcnow
from app.database import session_scope
from app.posts.models import CommentReply, Delivery, InboundComment, ReplyState
from scheduler.dispatcher import tick
from tests.scheduler.test_workers_postgresql import (
    errors_in,
    postgresql_only,
    seed_due,
    spawn,
    wait_for,
)

__all__ = ["postgresql_only"]  # the fixture, shared with the post workers' tests


def seed_replies(count: int, channel_id: int, author_id: int) -> None:
    """One published post with `count` comments on the outbox, each with a staff reply waiting."""
    seed_due(1, channel_id, author_id)
    assert tick().published == 1
    now = utcnow()
    with session_scope() as db:
        message_id = db.exec(select(OutboxMessage.id)).one()
        delivery_id = db.exec(select(Delivery.id)).one()
        remote_ids = db.execute(
            insert(OutboxComment).returning(OutboxComment.id),
            [
                {
                    "message_id": message_id,
                    "author_name": f"P{n}",
                    "text": f"¿Abren el día {n}?",
                    "from_page": False,
                    "hidden": False,
                    "created_at": now,
                }
                for n in range(count)
            ],
        ).scalars()
        comment_ids = db.execute(
            insert(InboundComment).returning(InboundComment.id),
            [
                {
                    "delivery_id": delivery_id,
                    "channel_id": channel_id,
                    "remote_id": str(remote_id),
                    "text": "?",
                    "status": "visible",
                    "hidden_on_channel": False,
                    "sync_attempts": 0,
                    "fetched_at": now,
                }
                for remote_id in remote_ids
            ],
        ).scalars()
        db.execute(
            insert(CommentReply),
            [
                {
                    "comment_id": comment_id,
                    "text": f"Sí, de 9 a 14 h ({n})",
                    "automatic": False,
                    "state": "pending",
                    "attempts": 0,
                    "needs_reconcile": False,
                    "created_at": now,
                }
                for n, comment_id in enumerate(comment_ids)
            ],
        )


def counts() -> tuple[int, int, int, int]:
    """(replies recorded as sent, answers on the outbox, distinct texts, comments answered)."""
    answers = select(OutboxComment).where(col(OutboxComment.from_page)).subquery()
    with session_scope() as db:
        sent = db.exec(
            select(func.count())
            .select_from(CommentReply)
            .where(CommentReply.state == ReplyState.sent)
        ).one()
        posted = db.exec(select(func.count()).select_from(answers)).one()
        distinct = db.exec(select(func.count(func.distinct(answers.c.text)))).one()
        answered = db.exec(select(func.count(func.distinct(answers.c.parent_id)))).one()
    return sent, posted, distinct, answered


def test_two_worker_processes_post_each_reply_exactly_once(
    postgresql_only, outbox, marketer, tmp_path
):
    seed_replies(120, outbox.id, marketer.id)
    log = tmp_path / "workers.log"
    workers = [spawn(["-m", "app.cli", "worker"], postgresql_only, log) for _ in range(2)]
    try:
        finished = wait_for(lambda: counts()[0] == 120, timeout=120)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    assert finished, (counts(), errors_in(log))
    assert counts() == (120, 120, 120, 120)


def test_a_worker_killed_after_posting_leaves_no_second_reply(
    postgresql_only, outbox, marketer, tmp_path
):
    seed_replies(20, outbox.id, marketer.id)
    log = tmp_path / "doomed.log"
    doomed = spawn(["tests/posts/crash_reply_worker.py"], postgresql_only, log)
    try:
        # It posts a batch of replies and hangs before recording any; then it is killed outright.
        assert wait_for(lambda: counts()[1] >= 8, timeout=180), errors_in(log)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    _sent, posted_before, _, _ = counts()
    with session_scope() as db:
        stuck = db.exec(
            select(func.count())
            .select_from(CommentReply)
            .where(CommentReply.state == ReplyState.sending)
        ).one()
        assert stuck >= posted_before
        # Time passes: the dead worker's leases run out.
        db.execute(
            text(
                "UPDATE commentreply SET lease_until = now() - interval '1 second' "
                "WHERE state = 'sending'"
            )
        )
    assert tick().recovered == stuck
    while tick().claimed:
        pass
    assert counts() == (20, 20, 20, 20)
    with session_scope() as db:
        reconciled = db.exec(
            select(func.count())
            .select_from(CommentReply)
            .where(CommentReply.state == ReplyState.sent, col(CommentReply.attempts) == 2)
        ).one()
    assert reconciled == stuck  # each was looked up and found, not posted again
