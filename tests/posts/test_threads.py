"""Threads on X through the delivery engine: parts in order, chained, each sent exactly once."""

import json
from datetime import timedelta

import pytest
import responses
from sqlalchemy import update
from sqlmodel import select

from app.channels import gateway
from app.clock import utcnow
from app.database import session_scope
from app.delivery import engine
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.posts import outbound, threads
from app.posts import service as posts
from app.posts.models import Delivery, DeliveryStatus, Post, PostCreate, PostStatus
from app.posts.thread_models import PartState, PartStatus, ThreadPartSend
from connectors.base import ChannelError, ErrorKind, Published

TWEETS = "https://api.twitter.com/2/tweets"
PARTS = ["Parte dos: anestesia local", "Parte tres: sutura"]


class FakeX:
    """An X account in memory: tweets with the one they answer; failures on chosen parts."""

    refreshed = None

    def __init__(self):
        self.tweets: list[tuple[str, str, str | None]] = []  # id, text, in reply to
        self.calls: list[str] = []
        self.fail: dict[str, object] = {}  # text -> exception to raise (once)
        self.post_anyway: set[str] = set()  # texts that go out although the answer is lost

    def publish(self, draft):
        self.calls.append(draft.text)
        error = self.fail.pop(draft.text, None)
        if error is not None and draft.text not in self.post_anyway:
            raise error
        tweet_id = str(1000 + len(self.tweets))
        self.tweets.append((tweet_id, draft.body, draft.reply_to))
        if error is not None:
            raise error
        return Published(tweet_id, f"https://x.com/i/web/status/{tweet_id}")

    def find_published(self, draft, since):
        self.calls.append("find")
        return [Published(t, None) for t, text, _r in reversed(self.tweets) if text == draft.body]

    def find_replies(self, comment_id, text, since):
        self.calls.append("find")
        return [
            Published(t, None)
            for t, body, reply_to in reversed(self.tweets)
            if reply_to == comment_id and body == text
        ]


@pytest.fixture
def fake_x(monkeypatch):
    fake = FakeX()
    monkeypatch.setattr(gateway, "_connector", lambda channel, encrypted: fake)
    return fake


def tick():
    return engine.tick(worker="w", only=[outbound.PostDeliveries()])


def thread_post(new_post, x_channel, parts=PARTS, **extra):
    return new_post([x_channel], text="Parte uno: preparación", parts=parts, **extra)


def sends(post_id) -> dict[int, ThreadPartSend]:
    with session_scope() as db:
        rows = db.exec(select(ThreadPartSend).where(ThreadPartSend.post_id == post_id)).all()
        return {r.position: r for r in rows}


def delivery(post_id) -> Delivery:
    with session_scope() as db:
        return db.exec(select(Delivery).where(Delivery.post_id == post_id)).first()


def retry_now(post_id, *, lease_ran_out=False):
    with session_scope() as db:
        values = {"next_attempt_at": None}
        if lease_ran_out:
            values = {"lease_until": utcnow() - timedelta(seconds=1)}
        db.execute(update(Delivery).where(Delivery.post_id == post_id).values(**values))


def test_parts_go_out_in_order_each_answering_the_one_before(fake_x, new_post, x_channel):
    post_id = thread_post(new_post, x_channel)
    tick()
    ids = [t[0] for t in fake_x.tweets]
    assert [(text, reply) for _i, text, reply in fake_x.tweets] == [
        ("Parte uno: preparación", None),
        (PARTS[0], ids[0]),
        (PARTS[1], ids[1]),
    ]
    done = delivery(post_id)
    assert done.status == DeliveryStatus.published and done.remote_id == ids[0]
    assert [s.remote_id for _p, s in sorted(sends(post_id).items())] == ids


def test_a_failed_part_stops_the_rest_and_the_post_names_it(fake_x, new_post, x_channel):
    fake_x.fail[PARTS[0]] = ChannelError(ErrorKind.final, "X rejected the post: bad", code="400")
    post_id = thread_post(new_post, x_channel)
    tick()
    assert fake_x.calls == ["Parte uno: preparación", PARTS[0]]  # part 3 never tried
    failed = delivery(post_id)
    assert failed.status == DeliveryStatus.failed
    assert failed.last_error.startswith("part 2 of 3: X rejected")
    assert sends(post_id)[2].state == PartState.failed and 3 not in sends(post_id)


def test_a_crash_after_part_two_resumes_at_part_three(fake_x, new_post, x_channel):
    fake_x.fail[PARTS[1]] = RuntimeError("the worker died")
    post_id = thread_post(new_post, x_channel)
    tick()
    assert delivery(post_id).status == DeliveryStatus.sending  # the claim is left to run out
    retry_now(post_id, lease_ran_out=True)
    tick()
    # Parts 1 and 2 are never sent again; part 3, left `sending`, is looked up, then sent once.
    assert fake_x.calls == ["Parte uno: preparación", PARTS[0], PARTS[1], "find", PARTS[1]]
    assert [t[1] for t in fake_x.tweets] == ["Parte uno: preparación", *PARTS]
    assert delivery(post_id).status == DeliveryStatus.published


def test_a_part_whose_answer_was_lost_is_found_on_x_not_sent_again(fake_x, new_post, x_channel):
    fake_x.fail[PARTS[0]] = ChannelError(ErrorKind.unknown, "X did not answer in time")
    fake_x.post_anyway.add(PARTS[0])
    post_id = thread_post(new_post, x_channel)
    tick()
    assert delivery(post_id).status == DeliveryStatus.pending
    assert sends(post_id)[2].state == PartState.sending
    retry_now(post_id)
    tick()
    assert fake_x.calls.count(PARTS[0]) == 1 and "find" in fake_x.calls
    first, second, third = fake_x.tweets
    assert third == (third[0], PARTS[1], second[0])
    assert sends(post_id)[2].remote_id == second[0]
    assert delivery(post_id).status == DeliveryStatus.published


def test_a_live_part_with_a_health_claim_waits_for_a_clinician(
    fake_x, new_post, x_channel, marketer, clinician
):
    post_id = thread_post(new_post, x_channel)
    tick()
    with session_scope() as db:
        post = db.get(Post, post_id)
        assert post.status == PostStatus.done
        part = threads.add_part(
            db=db,
            post=post,
            text="Parte cuatro: reduce el dolor",
            health_claim=True,
            actor=marketer,
        )
        assert (part.position, part.status) == (4, PartStatus.awaiting_approval)
    tick()
    assert len(fake_x.tweets) == 3  # nothing goes out before the approval
    with session_scope() as db:
        post = db.get(Post, post_id)
        part = threads.parts_of(db=db, post_id=post_id)[-1]
        with pytest.raises(PermissionDenied):
            threads.review_part(
                db=db, post=post, part=part, clinician=marketer, approve=True, comment=""
            )
        threads.review_part(
            db=db, post=post, part=part, clinician=clinician, approve=True, comment=""
        )
        assert post.status == PostStatus.scheduled
    tick()
    assert fake_x.tweets[-1][1:] == ("Parte cuatro: reduce el dolor", fake_x.tweets[2][0])
    assert fake_x.calls.count("Parte uno: preparación") == 1
    with session_scope() as db:
        assert db.get(Post, post_id).status == PostStatus.done


def test_a_thread_part_over_280_or_a_repeating_thread_is_refused(new_post, x_channel):
    with pytest.raises(InvalidInput):
        thread_post(new_post, x_channel, parts=["a" * 281])
    with pytest.raises(InvalidInput):
        thread_post(new_post, x_channel, parts=["   "])
    with pytest.raises(InvalidInput):
        thread_post(
            new_post, x_channel, in_seconds=60, recurrence={"freq": "weekly", "interval": 1}
        )


def test_a_thread_partly_on_x_cannot_be_edited(fake_x, new_post, x_channel, marketer):
    fake_x.fail[PARTS[1]] = ChannelError(ErrorKind.retryable, "X could not be reached")
    post_id = thread_post(new_post, x_channel)
    tick()
    with session_scope() as db:
        post = db.get(Post, post_id)
        data = PostCreate(text="otra", channels=[x_channel.id], parts=["x"])
        with pytest.raises(Conflict):
            posts.update(db=db, post=post, data=data, actor=marketer)
        posts.cancel(db=db, post=post, actor=marketer)
    assert delivery(post_id).status == DeliveryStatus.cancelled


@responses.activate
def test_the_real_x_client_chains_each_part_to_the_one_before(new_post, x_channel):
    """tweepy's own requests: POST https://api.twitter.com/2/tweets with reply.in_reply_to_tweet_id."""
    for tweet_id in ("1850", "1851", "1852"):
        responses.post(TWEETS, json={"data": {"id": tweet_id, "text": "-"}}, status=201)
    post_id = thread_post(new_post, x_channel)
    tick()
    bodies = [json.loads(call.request.body) for call in responses.calls]
    assert [call.request.url for call in responses.calls] == [TWEETS] * 3
    assert bodies == [
        {"text": "Parte uno: preparación"},
        {"text": PARTS[0], "reply": {"in_reply_to_tweet_id": "1850"}},
        {"text": PARTS[1], "reply": {"in_reply_to_tweet_id": "1851"}},
    ]
    assert delivery(post_id).remote_id == "1850"


def test_a_post_that_went_out_alone_continues_as_a_thread_without_resending_it(
    fake_x, new_post, x_channel, marketer
):
    post_id = new_post([x_channel], text="Empezamos la cirugía")
    tick()
    with session_scope() as db:
        threads.add_part(
            db=db,
            post=db.get(Post, post_id),
            text="Primer paso",
            health_claim=False,
            actor=marketer,
        )
    tick()
    first, second = fake_x.tweets
    assert fake_x.calls == ["Empezamos la cirugía", "Primer paso"]
    assert second[1:] == ("Primer paso", first[0])
