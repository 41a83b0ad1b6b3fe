"""Uncertain post deliveries and replies to comments, as staff settle them (sent or not sent)."""

from sqlmodel import Session, col, select

from app.accounts.models import Role
from app.channels.models import Channel
from app.clock import utcnow
from app.delivery import uncertain
from app.errors import Conflict, NotFound
from app.i18n import N_, Message
from app.posts.models import (
    CommentReply,
    Delivery,
    DeliveryStatus,
    InboundComment,
    ReplyState,
)

NOT_SENT = N_("checked by staff: it did not go out")


def _deliveries(db: Session, limit: int) -> list[uncertain.Item]:
    rows = db.exec(
        select(Delivery, Channel)
        .join(Channel, col(Channel.id) == Delivery.channel_id)
        .where(Delivery.status == DeliveryStatus.uncertain)
        .order_by(col(Delivery.id))
        .limit(limit)
    )
    return [
        uncertain.Item(
            kind="post",
            id=d.id,
            what=Message(N_("Post #{id}"), id=d.post_id),
            channel=c.name,
            since=d.first_sent_at or d.due_at,
            error=d.last_error,
            link=f"/posts/{d.post_id}#delivery-{d.id}",
        )
        for d, c in rows
    ]


def _settle_delivery(db: Session, delivery_id: int, sent: bool) -> None:
    delivery = db.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("no such message")
    if delivery.status != DeliveryStatus.uncertain:
        raise Conflict("this message is settled already")
    if sent:
        delivery.status, delivery.sent_at = DeliveryStatus.published, utcnow()
    else:
        delivery.status, delivery.last_error = DeliveryStatus.failed, NOT_SENT
    delivery.needs_reconcile = False
    db.add(delivery)


def _replies(db: Session, limit: int) -> list[uncertain.Item]:
    rows = db.exec(
        select(CommentReply, InboundComment, Delivery.post_id, Channel.name)
        .join(InboundComment, col(InboundComment.id) == CommentReply.comment_id)
        .join(Delivery, col(Delivery.id) == InboundComment.delivery_id)
        .join(Channel, col(Channel.id) == InboundComment.channel_id)
        .where(CommentReply.state == ReplyState.uncertain)
        .order_by(col(CommentReply.id))
        .limit(limit)
    )
    return [
        uncertain.Item(
            kind="reply",
            id=r.id,
            what=Message(
                N_("Reply to {author} under post #{id}"), author=c.author_name, id=post_id
            ),
            channel=channel,
            since=r.claimed_at or r.created_at,
            error=r.error,
            link=f"/posts/{post_id}#reply-{r.id}",
        )
        for r, c, post_id, channel in rows
    ]


def _settle_reply(db: Session, reply_id: int, sent: bool) -> None:
    reply = db.get(CommentReply, reply_id)
    if reply is None:
        raise NotFound("no such message")
    if reply.state != ReplyState.uncertain:
        raise Conflict("this message is settled already")
    if sent:
        reply.state, reply.error, reply.sent_at = ReplyState.sent, None, utcnow()
    else:
        reply.state, reply.error = ReplyState.failed, NOT_SENT
    reply.needs_reconcile = False
    db.add(reply)


uncertain.register(
    uncertain.Settling(
        "post", frozenset({Role.admin, Role.marketing}), _deliveries, _settle_delivery
    )
)
uncertain.register(
    uncertain.Settling(
        "reply", frozenset({Role.admin, Role.marketing, Role.clinician}), _replies, _settle_reply
    )
)
