"""Refreshing engagement figures of published posts.

Reading figures is not a kind of the delivery engine, on purpose. The engine exists for writes, where
a second try can be a second public message: it reconciles lost claims, asks a person when it cannot
tell, and never sends twice. A read changes nothing on the channel, so none of that applies: a read
that failed or whose worker died is simply done again at the next interval, and there is nothing to
be uncertain about. What reads do share with the engine is the claim: a post due for a read is taken
with FOR UPDATE SKIP LOCKED (its `metrics_checked_at` set in the same statement), so two workers never
spend the channel's rate limit reading the same post at once.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, update
from sqlmodel import col, select

from app.channels import gateway
from app.channels.models import Channel
from app.clock import utcnow
from app.database import session_scope
from app.posts.models import Delivery, DeliveryStatus, MetricSnapshot
from app.settings import get_settings
from connectors.base import ChannelError

log = logging.getLogger("carepost.metrics")
WINDOW = timedelta(days=30)


def claim(*, now: datetime, limit: int) -> list[tuple[int, str, Channel]]:
    """Take up to `limit` published posts whose figures are older than the interval: (delivery id,
    remote id, channel), each taken by one worker only."""
    stale_before = now - timedelta(minutes=get_settings().metrics_refresh_minutes)
    due = (
        select(Delivery.id)
        .where(
            Delivery.status == DeliveryStatus.published,
            Delivery.sent_at >= now - WINDOW,
            col(Delivery.remote_id).is_not(None),
            or_(
                col(Delivery.metrics_checked_at).is_(None),
                col(Delivery.metrics_checked_at) < stale_before,
            ),
            exists().where(col(Channel.id) == Delivery.channel_id, gateway.callable_now(now)),
        )
        .order_by(col(Delivery.metrics_checked_at).is_not(None), col(Delivery.metrics_checked_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due_metrics")
    )
    taken = (
        update(Delivery)
        .where(col(Delivery.id) == due.c.id)
        .values(metrics_checked_at=now)
        .returning(Delivery.id, Delivery.remote_id, Delivery.channel_id)
        .execution_options(synchronize_session=False)
    )
    with session_scope() as db:
        rows = list(db.execute(taken))
        channels = {
            c.id: c
            for c in db.exec(select(Channel).where(col(Channel.id).in_({r[2] for r in rows})))
        }
        for channel in channels.values():
            db.expunge(channel)
    return [
        (delivery_id, remote_id, channels[channel_id])
        for delivery_id, remote_id, channel_id in rows
    ]


def refresh(limit: int = 200) -> int:
    """Take a snapshot of each post published in the last 30 days whose figures are older than the
    interval; returns how many were taken."""
    now = utcnow()
    taken = 0
    for delivery_id, remote_id, channel in claim(now=now, limit=limit):
        try:
            values = gateway.call(channel, lambda c, r=remote_id: c.metrics(r))
        except ChannelError as error:
            # Read again at the next interval; one post's trouble does not stop the others.
            log.warning("metrics for delivery %s: %s", delivery_id, type(error).__name__)
            _release(delivery_id, now)
            continue
        with session_scope() as db:
            db.add(MetricSnapshot(delivery_id=delivery_id, at=now, values=values))
        taken += 1
    return taken


def _release(delivery_id: int, claimed_at: datetime) -> None:
    """A read that failed is due again at the next round, not an interval later."""
    with session_scope() as db:
        db.exec(
            update(Delivery)
            .where(col(Delivery.id) == delivery_id, col(Delivery.metrics_checked_at) == claimed_at)
            .values(metrics_checked_at=None)
        )


def series(db, delivery_id: int) -> list[MetricSnapshot]:
    """Snapshots of one delivery, oldest first."""
    return list(
        db.exec(
            select(MetricSnapshot)
            .where(MetricSnapshot.delivery_id == delivery_id)
            .order_by(MetricSnapshot.at)
        )
    )
