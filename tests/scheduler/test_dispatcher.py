"""The dispatcher sends each delivery once, reads the post at send time, retries and reconciles."""

import json
import time
from datetime import timedelta

import pytest
import requests
import responses
import sqlalchemy
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.channels import gateway
from app.channels.models import Channel, ChannelStatus, OutboxMessage
from app.clock import utcnow
from app.database import session_scope
from app.notifications.models import Notification
from app.posts import deliveries
from app.posts import service as posts
from app.posts.models import Delivery, DeliveryStatus, Post, PostCreate, PostStatus
from scheduler.dispatcher import send_one, tick

TWEETS = "https://api.twitter.com/2/tweets"


def delivery_of(post_id: int) -> Delivery:
    with session_scope() as db:
        return db.exec(select(Delivery).where(Delivery.post_id == post_id)).one()


def outbox_count() -> int:
    with session_scope() as db:
        return len(db.exec(select(OutboxMessage)).all())


def make_due(post_id: int) -> None:
    """Move a delivery's retry time into the past, as if the back-off had elapsed."""
    with session_scope() as db:
        for delivery in db.exec(select(Delivery).where(Delivery.post_id == post_id)):
            delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
            db.add(delivery)


def test_due_post_is_published_once_and_the_post_is_done(outbox, new_post):
    post_id = new_post([outbox])
    assert tick().published == 1
    assert tick().claimed == 0
    delivery = delivery_of(post_id)
    assert delivery.status == DeliveryStatus.published and delivery.remote_url.endswith(
        f"/outbox/{delivery.remote_id}"
    )
    assert outbox_count() == 1
    with session_scope() as db:
        assert db.get(Post, post_id).status == PostStatus.done


def test_future_post_is_not_sent_early(outbox, new_post):
    new_post([outbox], in_seconds=3600)
    assert tick().claimed == 0


def test_cancelled_post_is_never_published(outbox, new_post, marketer):
    post_id = new_post([outbox])
    with session_scope() as db:
        posts.cancel(db=db, post=db.get(Post, post_id), actor=marketer)
    assert tick().claimed == 0 and outbox_count() == 0


def test_edit_after_claim_wins_over_the_send(outbox, new_post, marketer):
    post_id = new_post([outbox])
    with session_scope() as db:
        [delivery_id] = deliveries.claim(db=db, worker="w1", now=utcnow(), limit=10)
    with session_scope() as db:
        post = db.get(Post, post_id)
        post.status = PostStatus.paused  # what set_paused does, raced against the claimed send
        db.add(post)
    with session_scope() as db:
        [job] = deliveries.load_jobs(db=db, ids=[delivery_id], worker="w1", media_loader=bytes)
    assert send_one(job) == "skipped"
    assert outbox_count() == 0 and delivery_of(post_id).status == DeliveryStatus.pending


def test_health_claim_waits_for_a_clinician(outbox, new_post, clinician):
    post_id = new_post([outbox], health_claim=True)
    assert tick().claimed == 0
    with session_scope() as db:
        posts.review(
            db=db, post=db.get(Post, post_id), clinician=clinician, approve=True, comment="ok"
        )
    assert tick().published == 1


@responses.activate
def test_429_waits_for_the_reset_time_then_sends(x_channel, new_post):
    reset = int(time.time()) + 900
    responses.post(
        TWEETS,
        status=429,
        json={"title": "Too Many Requests"},
        headers={"x-rate-limit-reset": str(reset)},
    )
    post_id = new_post([x_channel])
    tick()
    delivery = delivery_of(post_id)
    assert (
        delivery.status == DeliveryStatus.pending and delivery.next_attempt_at.timestamp() >= reset
    )
    assert "rate limit" in delivery.last_error
    with session_scope() as db:
        assert db.get(Channel, x_channel.id).throttled_until.timestamp() == reset


@responses.activate
def test_timeout_is_reconciled_and_not_resent_when_the_tweet_exists(x_channel, new_post):
    responses.post(TWEETS, body=requests.ReadTimeout("timed out"))
    post_id = new_post([x_channel], text="Campaña de vacunación")
    tick()
    assert delivery_of(post_id).needs_reconcile
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={"data": {"id": "42", "name": "C", "username": "c"}},
    )
    responses.get(
        "https://api.twitter.com/2/users/42/tweets",
        json={
            "data": [
                {"id": "777", "text": "Campaña de vacunación", "edit_history_tweet_ids": ["777"]}
            ]
        },
    )
    make_due(post_id)
    tick()
    delivery = delivery_of(post_id)
    assert delivery.status == DeliveryStatus.published and delivery.remote_id == "777"
    assert len([c for c in responses.calls if c.request.url == TWEETS]) == 1


@responses.activate
def test_5xx_is_resent_only_when_the_tweet_is_not_found(x_channel, new_post):
    responses.post(TWEETS, status=503, json={"title": "Service Unavailable"})
    post_id = new_post([x_channel], text="Horario de Navidad")
    tick()
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={"data": {"id": "42", "name": "C", "username": "c"}},
    )
    responses.get("https://api.twitter.com/2/users/42/tweets", json={"meta": {"result_count": 0}})
    responses.replace(
        responses.POST,
        TWEETS,
        json={"data": {"id": "900", "text": "Horario de Navidad"}},
        status=201,
    )
    make_due(post_id)
    tick()
    assert delivery_of(post_id).remote_id == "900"
    assert [
        json.loads(c.request.body)["text"] for c in responses.calls if c.request.url == TWEETS
    ] == ["Horario de Navidad"] * 2


@responses.activate
def test_revoked_token_fails_marks_reconnect_and_tells_the_author(x_channel, new_post, marketer):
    responses.post(TWEETS, status=401, json={"title": "Unauthorized"})
    post_id = new_post([x_channel])
    tick()
    delivery = delivery_of(post_id)
    assert delivery.status == DeliveryStatus.failed and "reconnect" in delivery.last_error
    with session_scope() as db:
        assert db.get(Channel, x_channel.id).status == ChannelStatus.reconnect_needed
        note = db.exec(select(Notification).where(Notification.user_id == marketer.id)).one()
        assert f"/posts/{post_id}" == note.link
    # Other posts for the channel wait until it is reconnected instead of failing one by one.
    new_post([x_channel])
    assert tick().claimed == 0


def test_worker_dying_mid_send_is_reconciled_without_a_duplicate(outbox, new_post):
    post_id = new_post([outbox], text="Jornada de cribado")
    with session_scope() as db:
        [delivery_id] = deliveries.claim(db=db, worker="dead-worker", now=utcnow(), limit=10)
    # The dead worker got as far as publishing, but never recorded the result.
    with session_scope() as db:
        [job] = deliveries.load_jobs(
            db=db, ids=[delivery_id], worker="dead-worker", media_loader=bytes
        )
    gateway.call(job.channel, lambda connector: connector.publish(job.draft))
    with session_scope() as db:
        delivery = db.get(Delivery, delivery_id)
        delivery.lease_until = utcnow() - timedelta(seconds=1)
        delivery.first_sent_at = utcnow() - timedelta(seconds=5)
        db.add(delivery)
    result = tick()
    assert result.recovered == 1 and outbox_count() == 1
    assert delivery_of(post_id).status == DeliveryStatus.published


def test_recurring_post_after_downtime_sends_only_the_latest_missed_occurrence(outbox, marketer):
    start = utcnow() + timedelta(seconds=30)
    with session_scope() as db:
        post = posts.create(
            db=db,
            author=marketer,
            data=PostCreate(
                text="Recordatorio semanal",
                channels=[outbox.id],
                scheduled_at=start,
                recurrence={"freq": "weekly"},
            ),
        )
        post_id = post.id
    # Pretend carepost was off for three weeks: the first occurrence and two more were missed.
    with session_scope() as db:
        post = db.get(Post, post_id)
        shift = timedelta(weeks=3)
        post.scheduled_at -= shift
        post.next_run_at -= shift
        db.add(post)
        for delivery in db.exec(select(Delivery).where(Delivery.post_id == post_id)):
            delivery.due_at -= shift
            db.add(delivery)
    tick()
    tick()
    with session_scope() as db:
        sent = db.exec(
            select(Delivery).where(
                Delivery.post_id == post_id, Delivery.status == DeliveryStatus.published
            )
        ).all()
        post = db.get(Post, post_id)
    # The first occurrence's delivery was already laid out and goes; of the later ones only the latest.
    assert len(sent) == 2 and "only the latest" in post.note
    assert post.next_run_at > utcnow()


def test_weekly_post_goes_out_at_nine_local_across_both_daylight_saving_changes(outbox, marketer):
    from zoneinfo import ZoneInfo

    madrid = ZoneInfo("Europe/Madrid")
    from datetime import datetime

    first = datetime(2030, 3, 18, 9, 0, tzinfo=madrid)
    with session_scope() as db:
        post = posts.create(
            db=db,
            author=marketer,
            data=PostCreate(
                text="Consulta de gripe los lunes",
                channels=[outbox.id],
                scheduled_at=first,
                recurrence={"freq": "weekly"},
            ),
        )
        post_id = post.id
    sent_local = []
    moment = first
    for _week in range(34):  # mid-March to early November 2030: both changes
        now = moment + timedelta(minutes=1)
        with session_scope() as db:
            deliveries.materialize_recurrences(db=db, now=now)
        with session_scope() as db:
            claimed = deliveries.claim(db=db, worker="w", now=now, limit=10)
            for delivery in db.exec(select(Delivery).where(col(Delivery.id).in_(claimed))):
                sent_local.append(delivery.due_at.astimezone(madrid))
                delivery.status = DeliveryStatus.published
                db.add(delivery)
        moment = (moment + timedelta(days=7)).astimezone(madrid).replace(hour=9)
    assert (
        len(sent_local) == 34
        and {d.hour for d in sent_local} == {9}
        and {d.weekday() for d in sent_local} == {0}
    )
    assert {d.utcoffset() for d in sent_local} == {timedelta(hours=1), timedelta(hours=2)}
    with session_scope() as db:
        assert db.get(Post, post_id).note is None  # nothing was skipped


def claimed_by_a_dead_worker(post_ids: list[int], sent: int) -> list[int]:
    """Claim the posts' deliveries, publish the first `sent` of them as the worker did, then let
    its leases run out without a result recorded."""
    with session_scope() as db:
        ids = deliveries.claim(db=db, worker="dead-worker", now=utcnow(), limit=len(post_ids))
    with session_scope() as db:
        jobs = deliveries.load_jobs(db=db, ids=ids, worker="dead-worker", media_loader=bytes)
    for job in jobs[:sent]:
        gateway.call(job.channel, lambda connector, job=job: connector.publish(job.draft))
    with session_scope() as db:
        for delivery in db.exec(select(Delivery).where(col(Delivery.id).in_(ids))):
            delivery.lease_until = utcnow() - timedelta(seconds=1)
            db.add(delivery)
    return ids


def test_identical_texts_after_a_crash_each_settle_on_their_own_outbox_message(outbox, new_post):
    post_ids = [new_post([outbox], text="Vacunación de gripe, sin cita") for _ in range(5)]
    claimed_by_a_dead_worker(post_ids, sent=2)
    tick()
    with session_scope() as db:
        published = db.exec(
            select(Delivery).where(Delivery.status == DeliveryStatus.published)
        ).all()
        messages = db.exec(select(OutboxMessage)).all()
    # Two were sent before the crash and found again; three were sent after it: five messages.
    assert len(published) == 5 and len(messages) == 5
    assert len({d.remote_id for d in published}) == 5
    by_id = {str(m.id): m for m in messages}
    assert all(by_id[d.remote_id].reference == deliveries.reference(d.id) for d in published), (
        "each delivery holds the message that carries its own reference"
    )


def own_tweets(*tweets: tuple[str, str]) -> dict:
    """GET /2/users/42/tweets: the account's tweets (id, created_at), all with the same text."""
    return {
        "data": [
            {
                "id": tweet_id,
                "text": "Campaña de gripe",
                "created_at": created_at,
                "edit_history_tweet_ids": [tweet_id],
            }
            for tweet_id, created_at in tweets
        ]
    }


def in_doubt_on_x(new_post, x_channel, count: int) -> list[int]:
    post_ids = [new_post([x_channel], text="Campaña de gripe") for _ in range(count)]
    ids = claimed_by_a_dead_worker(post_ids, sent=0)
    with session_scope() as db:
        for delivery in db.exec(select(Delivery).where(col(Delivery.id).in_(ids))):
            delivery.first_sent_at = utcnow() - timedelta(minutes=1)
            db.add(delivery)
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={"data": {"id": "42", "name": "C", "username": "c"}},
    )
    return post_ids


def iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@responses.activate
def test_a_tweet_found_after_a_crash_settles_one_delivery_and_the_other_is_sent(
    x_channel, new_post, monkeypatch
):
    from app import settings

    monkeypatch.setenv("CAREPOST_DISPATCH_THREADS", "1")  # one after the other: a fixed order
    settings.get_settings.cache_clear()
    in_doubt_on_x(new_post, x_channel, 2)
    responses.get(
        "https://api.twitter.com/2/users/42/tweets", json=own_tweets(("801", iso(utcnow())))
    )
    responses.post(TWEETS, json={"data": {"id": "802", "text": "Campaña de gripe"}}, status=201)
    tick()
    with session_scope() as db:
        settled = db.exec(select(Delivery).order_by(Delivery.id)).all()
    assert [(d.status, d.remote_id) for d in settled] == [
        (DeliveryStatus.published, "801"),
        (DeliveryStatus.published, "802"),
    ]
    assert len([c for c in responses.calls if c.request.url == TWEETS]) == 1


@responses.activate
def test_a_delivery_that_matches_several_tweets_is_left_for_a_person(x_channel, new_post, marketer):
    [post_id] = in_doubt_on_x(new_post, x_channel, 1)
    earlier = utcnow() - timedelta(hours=2)
    responses.get(
        "https://api.twitter.com/2/users/42/tweets",
        json=own_tweets(("811", iso(utcnow())), ("810", iso(utcnow())), ("700", iso(earlier))),
    )
    tick()
    delivery = delivery_of(post_id)
    assert delivery.status == DeliveryStatus.uncertain and delivery.remote_id is None
    assert "check the channel" in delivery.last_error
    assert not [c for c in responses.calls if c.request.url == TWEETS]  # nothing sent again
    with session_scope() as db:
        note = db.exec(select(Notification).where(Notification.user_id == marketer.id)).one()
        assert note.kind == "delivery.uncertain"


def test_the_database_holds_a_remote_message_for_one_delivery_only(outbox, new_post):
    first, second = (new_post([outbox], text=f"Aviso {n}") for n in range(2))
    assert tick().published == 2
    with pytest.raises(IntegrityError), session_scope() as db:
        taken = delivery_of(first).remote_id
        db.exec(
            sqlalchemy.update(Delivery).where(Delivery.post_id == second).values(remote_id=taken)
        )
