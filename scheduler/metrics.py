"""Refreshing engagement figures of published posts."""

import logging
from datetime import timedelta

from sqlmodel import col, func, select

from app.channels import gateway
from app.channels.models import Channel
from app.clock import utcnow
from app.database import session_scope
from app.posts.models import Delivery, DeliveryStatus, MetricSnapshot
from app.settings import get_settings
from connectors.base import ChannelError

log = logging.getLogger("carepost.metrics")
WINDOW = timedelta(days=30)


def refresh(limit: int = 200) -> int:
    """Take a snapshot of each post published in the last 30 days whose last one is older than the interval."""
    now = utcnow()
    stale_before = now - timedelta(minutes=get_settings().metrics_refresh_minutes)
    with session_scope() as db:
        last = (
            select(MetricSnapshot.delivery_id, func.max(MetricSnapshot.at).label("at"))
            .group_by(MetricSnapshot.delivery_id)
            .subquery()
        )
        query = (
            select(Delivery, Channel)
            .join(Channel, Channel.id == Delivery.channel_id)
            .outerjoin(last, last.c.delivery_id == Delivery.id)
            .where(
                Delivery.status == DeliveryStatus.published,
                Delivery.sent_at >= now - WINDOW,
                gateway.callable_now(now),
                col(Delivery.remote_id).is_not(None),
            )
            .where((last.c.at.is_(None)) | (last.c.at < stale_before))
            .limit(limit)
        )
        # Rows of one channel share one Channel object; it stays readable after the session closes.
        due = [(d.id, d.remote_id, c) for d, c in db.exec(query)]
    taken = 0
    for delivery_id, remote_id, channel in due:
        try:
            values = gateway.call(channel, lambda c, r=remote_id: c.metrics(r))
        except ChannelError as error:
            log.warning("metrics for delivery %s: %s", delivery_id, type(error).__name__)
            continue
        with session_scope() as db:
            db.add(MetricSnapshot(delivery_id=delivery_id, at=now, values=values))
        taken += 1
    return taken


def series(db, delivery_id: int) -> list[MetricSnapshot]:
    """Snapshots of one delivery, oldest first."""
    return list(
        db.exec(
            select(MetricSnapshot)
            .where(MetricSnapshot.delivery_id == delivery_id)
            .order_by(MetricSnapshot.at)
        )
    )
