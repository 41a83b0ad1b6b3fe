"""Strikes: a removal counts against its author, who can appeal it within a window.

An appeal reopens the removed item in the review queue with the author's words beside it. Approving
it overturns the strike and restores the content (and its label becomes "benign"); removing it again
upholds the strike. Members with several active strikes post at the new-member rate.
"""

from datetime import timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit import service as audit
from app.clock import utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.groups import service as groups
from app.i18n import Message
from app.notifications import service as notifications
from app.review.models import (
    AppealStatus,
    ModerationLabel,
    Reviewable,
    ReviewEvent,
    ReviewSignal,
    ReviewStatus,
    Strike,
)
from app.settings import get_settings

ACTIVE_DAYS = 90
MAX_APPEAL_CHARS = 2000


def record(db: Session, item: Reviewable, actor: User, reason: str) -> Strike | None:
    """A strike for the author of removed content (none for content without an author)."""
    if item.author_id is None or item.author_id == actor.id:
        return None
    strike = Strike(
        user_id=item.author_id,
        reviewable_id=item.id,
        reason=reason[:300],
        appeal_until=utcnow() + timedelta(days=get_settings().appeal_days),
    )
    db.add(strike)
    db.flush()
    return strike


def pending_appeal(db: Session, item: Reviewable) -> Strike | None:
    return db.exec(
        select(Strike).where(
            Strike.reviewable_id == item.id, Strike.appeal_status == AppealStatus.pending
        )
    ).first()


def settle_appeal(db: Session, strike: Strike, *, upheld: bool, actor: User) -> None:
    """The reviewer's answer to an appeal; an overturned strike's earlier labels are withdrawn."""
    strike.appeal_status = AppealStatus.upheld if upheld else AppealStatus.overturned
    strike.decided_by, strike.decided_at = actor.id, utcnow()
    db.add(strike)
    if not upheld:
        db.exec(
            delete(ModerationLabel).where(
                col(ModerationLabel.reviewable_id) == strike.reviewable_id
            )
        )
    notifications.notify(
        db=db,
        user_id=strike.user_id,
        kind="moderation",
        message=Message("Your appeal was turned down: the removal stands")
        if upheld
        else Message("Your appeal was accepted: the content is back"),
        link="/strikes",
    )


def mine(db: Session, user: User) -> list[tuple[Strike, Reviewable]]:
    query = (
        select(Strike, Reviewable)
        .join(Reviewable, col(Reviewable.id) == Strike.reviewable_id)
        .where(Strike.user_id == user.id)
        .order_by(col(Strike.id).desc())
    )
    return list(db.exec(query))


def active_counts(db: Session, user_ids: list[int]) -> dict[int, int]:
    """Strikes from the last 90 days that were not overturned, per user."""
    if not user_ids:
        return {}
    since = utcnow() - timedelta(days=ACTIVE_DAYS)
    query = (
        select(Strike.user_id, func.count())
        .where(
            col(Strike.user_id).in_(user_ids),
            col(Strike.created_at) >= since,
            Strike.appeal_status != AppealStatus.overturned,
        )
        .group_by(Strike.user_id)
    )
    return dict(db.exec(query).all())


def restricted(db: Session, user: User) -> bool:
    """Whether the user's active strikes put them back on the new members' posting limit."""
    return active_counts(db, [user.id]).get(user.id, 0) >= get_settings().strikes_to_restrict


def appeal(db: Session, *, user: User, strike_id: int, text: str) -> Strike:
    """The author asks for a second look; the item returns to the queue with their words."""
    strike = db.get(Strike, strike_id)
    if strike is None or strike.user_id != user.id:
        raise NotFound("no such strike")
    text = (text or "").strip()
    if not 10 <= len(text) <= MAX_APPEAL_CHARS:
        raise InvalidInput(
            "explain in 10 to {n} characters why the removal was wrong",
            n=MAX_APPEAL_CHARS,
            field="text",
        )
    if strike.appeal_status != AppealStatus.none:
        raise Conflict("this strike was appealed already")
    now = utcnow()
    if now > strike.appeal_until:
        raise Conflict("the appeal window closed on {day}", day=f"{strike.appeal_until:%Y-%m-%d}")
    item = db.get(Reviewable, strike.reviewable_id)
    reopened = db.exec(
        update(Reviewable)
        .where(col(Reviewable.id) == item.id, Reviewable.status == ReviewStatus.removed)
        .values(
            status=ReviewStatus.pending,
            version=Reviewable.version + 1,
            severity=Reviewable.severity + 10,
            updated_at=now,
        )
    )
    if reopened.rowcount != 1:
        raise Conflict("this item is not removed any more")
    db.refresh(item)
    strike.appeal_status, strike.appeal_text, strike.appealed_at = AppealStatus.pending, text, now
    db.add(strike)
    db.add(ReviewSignal(reviewable_id=item.id, source="appeal", weight=0.0, reason=text[:300]))
    db.add(
        ReviewEvent(
            reviewable_id=item.id,
            action="appeal",
            actor_id=user.id,
            from_status=str(ReviewStatus.removed),
            to_status=str(ReviewStatus.pending),
        )
    )
    audit.record(db, actor=user, action="strike.appeal", object_type="strike", object_id=strike.id)
    _notify_reviewers(db, item, Message("A removal was appealed"))
    return strike


def _notify_reviewers(db: Session, item: Reviewable, message: str) -> None:
    """Clinicians for clinical items and items outside groups, else the group's admins and moderators."""
    link = f"/review/{item.id}"
    if item.clinical or item.group_id is None:
        notifications.notify_clinicians(db=db, kind="review", message=message, link=link)
        return
    for user_id in groups.managers(db=db, group_id=item.group_id):
        notifications.notify(db=db, user_id=user_id, kind="review", message=message, link=link)
