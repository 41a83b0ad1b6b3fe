"""Post deliveries in flight together: a chunk is re-checked in one query right before it is sent."""

from app.clock import utcnow
from app.database import session_scope
from app.posts import deliveries
from app.posts.models import DeliveryStatus, Post, PostStatus
from app.posts.outbound import PostDeliveries
from tests.scheduler.test_dispatcher import delivery_of, outbox_count


def test_a_post_paused_after_the_claim_is_released_by_the_batched_check(outbox, new_post):
    kept, paused = new_post([outbox], text="Aviso 1"), new_post([outbox], text="Aviso 2")
    with session_scope() as db:
        ids = deliveries.claim(db=db, worker="w1", now=utcnow(), limit=10)
        jobs = deliveries.load_jobs(db=db, ids=ids, worker="w1", media_loader=bytes)
    with session_scope() as db:
        post = db.get(Post, paused)
        post.status = PostStatus.paused  # raced against the claimed send
        db.add(post)
    wanted = PostDeliveries().still_wanted_many(jobs)
    assert [job.post_id for job in wanted] == [kept]
    released = delivery_of(paused)
    assert released.status == DeliveryStatus.pending and released.claimed_by is None
    assert delivery_of(kept).status == DeliveryStatus.sending and outbox_count() == 0
