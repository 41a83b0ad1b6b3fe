"""Replies to comments go through the delivery engine: checked again just before sending, a failure
classified, an outcome nobody can settle left to a person, who is told once."""

from sqlalchemy import update
from sqlmodel import col, select

from app.accounts.models import Role, User
from app.channels.models import OutboxComment
from app.database import session_scope
from app.notifications.models import Notification
from app.posts import comments
from app.posts.models import CommentReply, InboundComment, ReplyState
from app.review.models import ContentStatus
from tests.posts.test_comments import (
    BENIGN,
    comment_on_outbox,
    message_id,
    practice_replies,
    published,
)


def commented(new_post, outbox) -> tuple[int, int]:
    """A published post with one ordinary comment, read into carepost: (outbox comment, comment)."""
    _post_id, delivery_id = published(new_post, outbox)
    remote = comment_on_outbox(message_id(), "Luisa", BENIGN)
    with session_scope() as db:
        row = InboundComment(
            delivery_id=delivery_id, channel_id=outbox.id, remote_id=str(remote), text=BENIGN
        )
        db.add(row)
        db.flush()
        return remote, row.id


def answer(comment_id: int, author: User, text: str = "Yes, from 9:00.") -> int:
    with session_scope() as db:
        return comments.answer(db, db.get(InboundComment, comment_id), author, text).id


def reply(reply_id: int) -> CommentReply:
    with session_scope() as db:
        return db.get(CommentReply, reply_id)


def notes(kind: str) -> list[tuple[int, str]]:
    with session_scope() as db:
        query = select(Notification.user_id, Notification.link).where(Notification.kind == kind)
        return list(db.exec(query.order_by(col(Notification.user_id))))


def test_a_reply_to_a_comment_removed_meanwhile_is_not_sent(outbox, new_post, clinician):
    _remote, comment_id = commented(new_post, outbox)
    reply_id = answer(comment_id, clinician)
    with session_scope() as db:
        db.exec(update(InboundComment).values(status=ContentStatus.removed))
    assert comments.send_replies().replied == 0
    assert practice_replies() == []
    assert reply(reply_id).state == ReplyState.cancelled and "removed" in reply(reply_id).error


def test_a_reply_to_a_comment_deleted_on_the_channel_fails_and_its_author_is_told(
    outbox, new_post, clinician
):
    remote, comment_id = commented(new_post, outbox)
    reply_id = answer(comment_id, clinician)
    with session_scope() as db:
        db.delete(db.get(OutboxComment, remote))
    assert comments.send_replies().errors == 1
    assert practice_replies() == []
    assert reply(reply_id).state == ReplyState.failed
    assert [user for user, _link in notes("reply.failed")] == [clinician.id]


def test_the_automatic_reply_is_not_sent_once_a_person_answered(outbox, new_post, clinician):
    _remote, comment_id = commented(new_post, outbox)
    answer(comment_id, clinician, "Call 112 now.")
    assert comments.send_replies().replied == 1
    with session_scope() as db:
        automatic = CommentReply(comment_id=comment_id, text="If you…", automatic=True)
        db.add(automatic)
        db.flush()
        automatic_id = automatic.id
    assert comments.send_replies().replied == 0
    assert practice_replies() == ["Call 112 now."]
    assert reply(automatic_id).state == ReplyState.cancelled


def test_a_double_submitted_reply_is_posted_once(outbox, new_post, clinician):
    _remote, comment_id = commented(new_post, outbox)
    answer(comment_id, clinician)
    assert comments.send_replies().replied == 1
    answer(comment_id, clinician)
    assert comments.send_replies().replied == 0
    assert practice_replies() == ["Yes, from 9:00."]


def test_an_uncertain_reply_is_told_to_admins_and_its_author_once(outbox, new_post, clinician):
    remote, comment_id = commented(new_post, outbox)
    reply_id = answer(comment_id, clinician)
    with session_scope() as db:
        # Two answers with its text are under the comment already: which one is this reply's?
        for _ in range(2):
            db.add(
                OutboxComment(
                    message_id=message_id(),
                    parent_id=remote,
                    author_name="the practice",
                    text="Yes, from 9:00.",
                    from_page=True,
                )
            )
        db.exec(update(CommentReply).values(needs_reconcile=True))
    comments.send_replies()
    assert reply(reply_id).state == ReplyState.uncertain
    assert len(practice_replies()) == 2  # nothing was sent again
    with session_scope() as db:
        admins = db.exec(select(User.id).where(User.role == Role.admin)).all()
    told = notes("reply.uncertain")
    assert sorted(user for user, _ in told) == sorted([*admins, clinician.id])
    assert len(told) == len(admins) + 1  # one each
    assert all(link.endswith(f"#reply-{reply_id}") for _, link in told)
