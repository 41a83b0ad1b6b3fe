"""When a channel's posts get the most engagement, from the figures the metrics job stored.

Each published post counts once, with its latest snapshot: its interactions (reactions, comments,
shares, likes, replies...; not impressions or views, which measure reach) go to the weekday
and hour, in practice time, at which it went out. The best hour is only named with enough
history behind it.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.posts.models import Delivery, DeliveryStatus, MetricSnapshot
from app.settings import get_settings

HISTORY = timedelta(days=365)
MIN_POSTS = 8  # measured posts on a channel before any hour is called the best
MIN_IN_HOUR = 2  # posts at a weekday and hour before that hour can be the best
REACH = ("impression", "view", "reach")


@dataclass
class HeatMap:
    channel_id: int
    # (weekday 0 = Monday, hour) -> (mean interactions per post, posts)
    cells: dict[tuple[int, int], tuple[float, int]] = field(default_factory=dict)
    measured: int = 0
    best: tuple[int, int] | None = None

    needed: int = MIN_POSTS

    @property
    def top(self) -> float:
        return max((mean for mean, _n in self.cells.values()), default=0.0)

    @property
    def enough(self) -> bool:
        return self.best is not None

    def hours(self) -> list[int]:
        """The hours to draw: from the earliest to the latest with posts, at least 8:00 to 20:00."""
        used = [hour for _day, hour in self.cells] or [8]
        return list(range(min(8, *used), max(20, *used) + 1))


def interactions(values: dict) -> int:
    """The engagement a snapshot records: every counter but those measuring reach."""
    return sum(
        int(v)
        for k, v in values.items()
        if isinstance(v, int) and not any(word in k.lower() for word in REACH)
    )


def _latest_per_delivery(db: Session, channel_ids: list[int], now: datetime):
    rows = db.exec(
        select(
            Delivery.id,
            Delivery.channel_id,
            Delivery.sent_at,
            MetricSnapshot.at,
            MetricSnapshot.values,
        )
        .join(MetricSnapshot, col(MetricSnapshot.delivery_id) == Delivery.id)
        .where(
            col(Delivery.channel_id).in_(channel_ids),
            Delivery.status == DeliveryStatus.published,
            col(Delivery.sent_at).is_not(None),
            Delivery.sent_at >= now - HISTORY,
        )
    )
    latest: dict[int, tuple] = {}
    for delivery_id, channel_id, sent_at, at, values in rows:
        if delivery_id not in latest or at > latest[delivery_id][2]:
            latest[delivery_id] = (channel_id, sent_at, at, values)
    return latest.values()


def heat_maps(*, db: Session, channel_ids: list[int], now: datetime) -> dict[int, HeatMap]:
    """Each channel's engagement by weekday and hour, with its best hour when history allows."""
    zone = get_settings().zone
    sums: dict[int, dict[tuple[int, int], list[int]]] = {cid: {} for cid in channel_ids}
    for channel_id, sent_at, _at, values in _latest_per_delivery(db, channel_ids, now):
        local = sent_at.astimezone(zone)
        sums[channel_id].setdefault((local.weekday(), local.hour), []).append(interactions(values))
    maps = {}
    for channel_id, buckets in sums.items():
        heat = HeatMap(channel_id)
        heat.cells = {key: (sum(v) / len(v), len(v)) for key, v in buckets.items()}
        heat.measured = sum(n for _mean, n in heat.cells.values())
        candidates = [(mean, key) for key, (mean, n) in heat.cells.items() if n >= MIN_IN_HOUR]
        if heat.measured >= MIN_POSTS and candidates:
            heat.best = max(candidates, key=lambda c: (c[0], -c[1][0], -c[1][1]))[1]
        maps[channel_id] = heat
    return maps
