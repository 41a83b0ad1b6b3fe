"""Demo engagement history: a weekly tip published on the outbox for four months, with its figures,
so the posting schedule shows a heat map and a best hour."""

from datetime import datetime, time, timedelta

from sqlmodel import Session, select

from app.accounts.models import User
from app.channels.models import Channel, ChannelKind
from app.clock import utcnow
from app.posts.models import Delivery, DeliveryStatus, MetricSnapshot, Post, PostChannel, PostStatus
from app.settings import get_settings

TEXT = (
    "Consejo de salud de la semana: camina 30 minutos al día. / "
    "Weekly health tip: walk 30 minutes a day."
)
# (weekday, local hour, interactions): Tuesdays at ten do best, as many practices find.
PATTERN = [(1, 10, 42), (3, 18, 25), (0, 9, 12), (5, 12, 8)]


def load(db: Session, author: User) -> None:
    """Add the history once, when the demo has its outbox and no figures yet."""
    outbox = db.exec(select(Channel).where(Channel.kind == ChannelKind.outbox)).first()
    if (
        outbox is None
        or db.exec(select(MetricSnapshot)).first()
        or db.exec(select(Post).where(Post.text == TEXT)).first()
    ):
        return
    post = Post(author_id=author.id, text=TEXT, status=PostStatus.done)
    db.add(post)
    db.flush()
    db.add(PostChannel(post_id=post.id, channel_id=outbox.id))
    zone = get_settings().zone
    today = utcnow().astimezone(zone).date()
    for week in range(1, 5):
        for index, (weekday, hour, interactions) in enumerate(PATTERN):
            day = today - timedelta(days=(today.weekday() - weekday) % 7 + 7 * week)
            sent = datetime.combine(day, time(hour, 5 * index), tzinfo=zone)
            delivery = Delivery(
                post_id=post.id,
                channel_id=outbox.id,
                due_at=sent,
                sent_at=sent,
                status=DeliveryStatus.published,
            )
            db.add(delivery)
            db.flush()
            likes = interactions + (week * 3) % 7
            values = {"likes": likes, "comments": likes // 6, "shares": likes // 9}
            read_at = sent + timedelta(days=2)
            db.add(MetricSnapshot(delivery_id=delivery.id, at=read_at, values=values))
