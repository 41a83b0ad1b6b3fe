"""Engagement figures are read by one worker at a time, and a failed read is tried again."""

import responses
from sqlmodel import select

from app.clock import utcnow
from app.database import session_scope
from app.posts.models import Delivery, MetricSnapshot
from scheduler import metrics
from scheduler.dispatcher import tick


def test_a_post_due_for_a_read_is_taken_by_one_worker_only(outbox, new_post):
    new_post([outbox])
    assert tick().published == 1
    now = utcnow()
    [(delivery_id, _remote, channel)] = metrics.claim(now=now, limit=10)
    assert channel.id == outbox.id
    assert metrics.claim(now=now, limit=10) == []  # the other worker finds nothing to read
    with session_scope() as db:
        assert db.get(Delivery, delivery_id).metrics_checked_at is not None


@responses.activate
def test_a_failed_read_is_due_again_at_the_next_round(x_channel, new_post):
    responses.post(
        "https://api.twitter.com/2/tweets", json={"data": {"id": "500", "text": "x"}}, status=201
    )
    new_post([x_channel])
    assert tick().published == 1
    responses.get("https://api.twitter.com/2/tweets/500", status=503)
    assert metrics.refresh() == 0
    responses.replace(
        responses.GET,
        "https://api.twitter.com/2/tweets/500",
        json={
            "data": {
                "id": "500",
                "text": "x",
                "edit_history_tweet_ids": ["500"],
                "public_metrics": {"like_count": 3},
            }
        },
    )
    assert metrics.refresh() == 1
    assert metrics.refresh() == 0  # read: not again within the interval
    with session_scope() as db:
        [snapshot] = db.exec(select(MetricSnapshot)).all()
        assert snapshot.values["like_count"] == 3
