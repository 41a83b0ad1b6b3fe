"""Comments on published posts are read from the channel, screened, hidden or answered there."""

from datetime import timedelta

import requests
import responses
from sqlalchemy import update
from sqlmodel import col, select

from app.channels.models import OutboxComment, OutboxMessage
from app.clock import utcnow
from app.database import session_scope
from app.notifications.models import Notification
from app.posts import comments
from app.posts.models import CommentReply, Delivery, InboundComment, ReplyState
from app.review import service as review
from app.review.models import ContentStatus, Reviewable, Strike
from scheduler.dispatcher import tick

EMERGENCY = "My dad has crushing chest pain right now and can't breathe, what do I do"
PHI = "Maria Lopez Garcia, DNI 12345678Z, was diagnosed with HIV at your clinic last week"
BENIGN = "Thanks for the reminder! Is the flu clinic open on Saturday too?"


def published(new_post, channel) -> tuple[int, int]:
    post_id = new_post([channel], text="Flu vaccination clinic every Saturday in November")
    assert tick().published == 1
    with session_scope() as db:
        delivery = db.exec(select(Delivery).where(Delivery.post_id == post_id)).one()
        return post_id, delivery.id


def comment_on_outbox(message_id: int, author: str, text: str) -> int:
    with session_scope() as db:
        row = OutboxComment(message_id=message_id, author_name=author, text=text)
        db.add(row)
        db.flush()
        return row.id


def message_id() -> int:
    with session_scope() as db:
        return db.exec(select(OutboxMessage.id)).one()


def inbound(text: str) -> InboundComment:
    with session_scope() as db:
        return db.exec(select(InboundComment).where(InboundComment.text == text)).one()


def outbox_row(comment_id: int) -> OutboxComment:
    with session_scope() as db:
        return db.get(OutboxComment, comment_id)


def practice_replies() -> list[str]:
    with session_scope() as db:
        query = select(OutboxComment.text).where(col(OutboxComment.from_page))
        return list(db.exec(query.order_by(col(OutboxComment.id))))


def test_comments_are_read_once_screened_hidden_and_answered_on_the_channel(
    outbox, new_post, with_model, clinician
):
    post_id, _delivery_id = published(new_post, outbox)
    message = message_id()
    emergency = comment_on_outbox(message, "Ana R.", EMERGENCY)
    phi = comment_on_outbox(message, "Pepe", PHI)
    benign = comment_on_outbox(message, "Luisa", BENIGN)

    first = comments.run_round()
    assert (first.new, first.flagged) == (3, 2)
    assert comments.fetch(post_id=post_id).new == 0  # read again: nothing twice
    with session_scope() as db:
        assert len(db.exec(select(InboundComment)).all()) == 3

    # The emergency is answered on the channel at once, in the commenter's language.
    assert inbound(EMERGENCY).status == ContentStatus.held
    [automatic] = practice_replies()
    assert "112" in automatic and automatic.startswith("If you or someone near you")
    with session_scope() as db:
        told = db.exec(select(Notification).where(Notification.user_id == clinician.id)).all()
        assert any(n.kind == "emergency" for n in told)
    # Exposed health data is hidden on the channel; the ordinary comment stays.
    assert inbound(PHI).status == ContentStatus.hidden and inbound(PHI).hidden_on_channel
    assert outbox_row(phi).hidden and not outbox_row(benign).hidden
    assert inbound(BENIGN).status == ContentStatus.visible
    assert not outbox_row(emergency).hidden  # others may help: an emergency stays in sight

    # The queue puts the emergency first; a clinician answers it and lets the other through.
    with session_scope() as db:
        items = review.queue(db, viewer=clinician)
        assert [i.kind for i in items] == ["channel_comment", "channel_comment"]
        assert items[0].target_id == inbound(EMERGENCY).id
        review.decide(
            db,
            item_id=items[0].id,
            action="answer",
            actor=clinician,
            version=items[0].version,
            text="Call 112 now and stay with him; we will call you afterwards.",
        )
        review.decide(
            db, item_id=items[1].id, action="approve", actor=clinician, version=items[1].version
        )
    comments.run_round()
    assert practice_replies()[-1] == "Call 112 now and stay with him; we will call you afterwards."
    assert inbound(EMERGENCY).status == ContentStatus.visible
    assert not outbox_row(phi).hidden and not inbound(PHI).hidden_on_channel


def test_a_spanish_comment_gets_the_spanish_automatic_reply(outbox, new_post, with_model):
    post_id, _ = published(new_post, outbox)
    comment_on_outbox(message_id(), "Rosa", "Mi hijo se ha tomado un blíster entero de pastillas")
    comments.run_round()
    [reply] = practice_replies()
    assert reply.startswith("Si tú o alguien") and "112" in reply


def test_removed_comment_stays_hidden_and_gives_no_strike(outbox, new_post, clinician, with_model):
    post_id, _ = published(new_post, outbox)
    spam = comment_on_outbox(
        message_id(), "promo", "BUY CHEAP PILLS NOW!!! www.cheap-pills.example"
    )
    comments.run_round()
    row = inbound(outbox_row(spam).text)
    assert row.status == ContentStatus.hidden and outbox_row(spam).hidden
    with session_scope() as db:
        item = review.item_for(db, comments.KIND, row.id)
        review.decide(db, item_id=item.id, action="remove", actor=clinician, version=item.version)
    comments.run_round()
    assert inbound(row.text).status == ContentStatus.removed and outbox_row(spam).hidden
    with session_scope() as db:
        assert not db.exec(select(Strike)).all()  # the commenter has no carepost account


def test_a_comment_read_by_two_workers_is_stored_once(outbox, new_post):
    post_id, delivery_id = published(new_post, outbox)
    with session_scope() as db:
        assert comments._claim(db, delivery_id, None)
    with session_scope() as db:
        assert not comments._claim(db, delivery_id, None)  # the other worker read it first


def reply_due_now() -> None:
    """The back-off after a failed try has passed."""
    with session_scope() as db:
        db.exec(update(CommentReply).values(next_attempt_at=utcnow() - timedelta(seconds=1)))


@responses.activate
def test_a_reply_that_timed_out_is_looked_up_on_the_channel_and_never_posted_twice(
    x_channel, new_post, clinician
):
    responses.post(
        "https://api.twitter.com/2/tweets", json={"data": {"id": "1850", "text": "x"}}, status=201
    )
    post_id, delivery_id = published(new_post, x_channel)
    with session_scope() as db:
        row = InboundComment(
            delivery_id=delivery_id, channel_id=x_channel.id, remote_id="1901", text=BENIGN
        )
        db.add(row)
        db.flush()
        comments.answer(db, row, clinician, "Yes, 9:00 to 14:00.")
    responses.post("https://api.twitter.com/2/tweets", body=requests.ReadTimeout("timed out"))
    assert comments.send_replies().errors == 1
    with session_scope() as db:
        reply = db.exec(select(CommentReply)).one()
        assert reply.state == ReplyState.pending and reply.needs_reconcile
    # The account's answers to the comment since the claim show the reply went out.
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={"data": {"id": "42", "name": "C", "username": "c"}},
    )
    responses.get(
        "https://api.twitter.com/2/users/42/tweets",
        json={
            "data": [
                {
                    "id": "1904",
                    "text": "@luisa Yes, 9:00 to 14:00.",
                    "referenced_tweets": [{"type": "replied_to", "id": "1901"}],
                    "edit_history_tweet_ids": ["1904"],
                },
                {
                    "id": "1903",
                    "text": "Yes, 9:00 to 14:00.",
                    "referenced_tweets": [{"type": "replied_to", "id": "1777"}],
                    "edit_history_tweet_ids": ["1903"],
                },
            ]
        },
    )
    reply_due_now()
    assert comments.send_replies().replied == 1
    with session_scope() as db:
        reply = db.exec(select(CommentReply)).one()
        assert (reply.state, reply.remote_id) == (ReplyState.sent, "1904")
    posted = [
        c for c in responses.calls if c.request.method == "POST" and "tweets" in c.request.url
    ]
    assert len(posted) == 2  # the post itself and the one try of the reply: no second copy


def test_old_posts_are_no_longer_watched(outbox, new_post):
    post_id, delivery_id = published(new_post, outbox)
    with session_scope() as db:
        delivery = db.get(Delivery, delivery_id)
        delivery.sent_at = utcnow() - timedelta(days=30)
        db.add(delivery)
    comment_on_outbox(message_id(), "Luisa", BENIGN)
    assert comments.fetch().checked == 0


def test_post_page_lists_comments_and_staff_reply_to_ordinary_ones(
    outbox, new_post, login_as, with_model
):
    from app.accounts.models import Role

    post_id, _ = published(new_post, outbox)
    comment_on_outbox(message_id(), "Luisa", BENIGN)
    comment_on_outbox(message_id(), "Ana R.", EMERGENCY)
    client, _marketer, csrf = login_as(Role.marketing)
    response = client.post(f"/posts/{post_id}/comments/check", data={"csrf_token": csrf})
    assert response.status_code == 303
    page = client.get(f"/posts/{post_id}").text
    assert "Luisa" in page and "waiting for a clinician" in page
    benign, emergency = inbound(BENIGN), inbound(EMERGENCY)
    ok = client.post(
        f"/posts/{post_id}/comments/{benign.id}/reply",
        data={"csrf_token": csrf, "text": "Yes, from 9:00."},
    )
    assert ok.status_code == 303
    held = client.post(
        f"/posts/{post_id}/comments/{emergency.id}/reply",
        data={"csrf_token": csrf, "text": "Take an aspirin"},
    )
    assert held.status_code == 409 and "review queue" in held.text
    listed = client.get(f"/api/posts/{post_id}/comments").json()
    assert [c["author"] for c in listed] == ["Luisa", "Ana R."]
    assert listed[0]["replies"][0]["text"] == "Yes, from 9:00."
    assert listed[1]["status"] == "held" and listed[1]["replies"][0]["automatic"]
    with session_scope() as db:
        assert db.exec(select(Reviewable).where(Reviewable.kind == "channel_comment")).all()
    patient, _patient, _csrf = login_as(Role.patient)
    assert patient.get(f"/api/posts/{post_id}/comments").status_code == 403


def test_the_comments_job_reads_every_post_of_a_channel_that_has_several(
    outbox, new_post, with_model
):
    from app.jobs import service as jobs
    from scheduler.runner import comments_job, run_tracked

    texts = ["Flu clinic on Saturday", "Blood tests from 8:00", "Closed on the 8th"]
    post_ids = [new_post([outbox], text=text) for text in texts]
    assert tick().published == 3
    with session_scope() as db:
        messages = db.exec(select(OutboxMessage.id).order_by(col(OutboxMessage.id))).all()
    for number, message in enumerate(messages):
        comment_on_outbox(message, f"Commenter {number}", EMERGENCY)

    run_tracked("comments", comments_job)

    with session_scope() as db:
        checked = db.exec(
            select(Delivery.comments_checked_at).where(col(Delivery.post_id).in_(post_ids))
        ).all()
        [run] = jobs.statuses(db=db)
    assert len(checked) == 3 and all(checked)
    # Each post's emergency got its automatic answer on the channel.
    assert len(practice_replies()) == 3
    assert (run.name, run.ok, run.last_error_kind) == ("comments", True, None)
