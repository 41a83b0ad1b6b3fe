"""The reviewer's desk: claims on queue items, emergencies past their target time, and identifiers
masked in held clinical discussions until a decision.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from app.accounts.models import Role, User
from app.clock import utcnow
from app.errors import Conflict
from app.i18n import Message
from app.notifications import service as notifications
from app.review.models import OPEN_STATUSES, Reviewable, ReviewEvent, ReviewStatus
from app.settings import get_settings

# Network posts, comments and direct messages discuss real patients among clinicians: until a reviewer has decided,
# what identifies a patient is shown only to administrators (and to the author, who wrote it).
MASKED_KINDS = frozenset({"network_post", "network_comment", "direct_message"})
MASK = "[•••]"
_NAME = r"[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+"
IDENTIFIERS = re.compile(
    "|".join(
        (
            r"[\w.+-]+@[\w-]+\.[\w.-]+",  # e-mail
            r"(?<![\w+])(?:\+?\d{1,3}[\s.-]?)?(?:\d[\s.-]?){8,11}\d(?!\w)",  # phone, long numbers
            r"\b\d{8}[\s-]?[A-Za-z]\b",  # DNI
            r"\b[XYZxyz][\s-]?\d{7}[\s-]?[A-Za-z]\b",  # NIE
            r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}\b",  # a date (of birth, of admission)
            r"\b(?:NHC|NUSS|SIP|CIP|NHS|MRN|HC)[\s:#.º-]*[A-Z0-9-]{5,}\b",  # record numbers
            # A name after a title or "patient", or three capitalised words in a row.
            rf"\b(?:Sr|Sra|Srta|Don|Doña|Dña|Mr|Mrs|Ms|Miss|paciente|patient)\.?\s+{_NAME}(?:\s+{_NAME}){{0,2}}",
            rf"\b{_NAME}\s+{_NAME}\s+{_NAME}\b",
        )
    )
)


def mask(text: str) -> str:
    """text with each identifier (names, numbers, addresses, dates) replaced by MASK."""
    return IDENTIFIERS.sub(MASK, text or "")


def mask_as_in(text: str, original: str) -> str:
    """text (a reason naming n-grams, in lower case) with every word of original's identifiers
    masked too, so a reason cannot give back what the text hides."""
    words = {
        w.lower()
        for m in IDENTIFIERS.finditer(original or "")
        for w in re.findall(r"\w+", m.group(0))
    }
    if not words:
        return mask(text)
    pattern = re.compile(
        r"\b(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r")\b", re.I
    )
    return mask(pattern.sub(MASK, text or ""))


def masked_for(item: Reviewable, viewer: User) -> bool:
    """Whether viewer sees item's identifiers masked (open, of a masked kind, not theirs)."""
    return (
        item.kind in MASKED_KINDS
        and item.status in OPEN_STATUSES
        and viewer.role != Role.admin
        and item.author_id != viewer.id
    )


@dataclass(frozen=True)
class Claim:
    user_id: int
    name: str
    until: datetime


def _claim_window() -> timedelta:
    return timedelta(minutes=get_settings().review_claim_minutes)


def claims(db: Session, items: list[Reviewable]) -> dict[int, Claim]:
    """The live claims on these items, by item id."""
    now = utcnow()
    live = [
        i for i in items if i.claimed_by and i.claimed_at and i.claimed_at + _claim_window() > now
    ]
    names = {}
    if live:
        ids = {i.claimed_by for i in live}
        rows = db.exec(select(User.id, User.display_name).where(col(User.id).in_(ids)))
        names = {row[0]: row[1] for row in rows.all()}
    return {
        i.id: Claim(i.claimed_by, names.get(i.claimed_by, "?"), i.claimed_at + _claim_window())
        for i in live
    }


def claim(db: Session, *, item: Reviewable, viewer: User) -> None:
    """Take item for the claim window (or renew one's own claim); Conflict if someone else has it."""
    if item.status not in OPEN_STATUSES:
        raise Conflict("this item was already decided ({status})", status=item.status)
    now = utcnow()
    taken = db.execute(
        update(Reviewable)
        .where(col(Reviewable.id) == item.id)
        .where(
            or_(
                col(Reviewable.claimed_by).is_(None),
                col(Reviewable.claimed_by) == viewer.id,
                col(Reviewable.claimed_at) <= now - _claim_window(),
            )
        )
        .values(claimed_by=viewer.id, claimed_at=now)
    ).rowcount
    db.refresh(item)
    if not taken:
        holder = claims(db, [item]).get(item.id)
        raise Conflict("{name} is working on this item", name=holder.name if holder else "?")


def release(db: Session, *, item: Reviewable, viewer: User) -> None:
    """Give back one's own claim."""
    if item.claimed_by == viewer.id:
        item.claimed_by, item.claimed_at = None, None
        db.add(item)


def check_not_taken(db: Session, *, item: Reviewable, viewer: User) -> None:
    """Conflict when another reviewer holds a live claim on item (they may be mid-answer)."""
    holder = claims(db, [item]).get(item.id)
    if holder and holder.user_id != viewer.id:
        raise Conflict("{name} is working on this item", name=holder.name)


def is_emergency(item: Reviewable) -> bool:
    return "emergency" in (item.flags or [])


def waited_minutes(item: Reviewable, now: datetime | None = None) -> int:
    return max(0, int(((now or utcnow()) - item.created_at).total_seconds() // 60))


def escalate_overdue_emergencies(db: Session) -> int:
    """Open emergencies older than the target time are escalated and the administrators told,
    once per item; returns how many became overdue."""
    target = timedelta(minutes=get_settings().review_emergency_minutes)
    now = utcnow()
    candidates = db.exec(
        select(Reviewable).where(
            col(Reviewable.status).in_(OPEN_STATUSES),
            col(Reviewable.overdue_at).is_(None),
            col(Reviewable.created_at) <= now - target,
        )
    ).all()
    overdue = [item for item in candidates if is_emergency(item)]
    for item in overdue:
        item.overdue_at = now
        if item.status == ReviewStatus.pending:
            db.add(
                ReviewEvent(
                    reviewable_id=item.id,
                    action="escalate",
                    from_status="pending",
                    to_status="escalated",
                    note="emergency past its target time",
                )
            )
            item.status = ReviewStatus.escalated
        item.severity += 30
        item.version += 1
        db.add(item)
    if overdue:
        admins = db.exec(
            select(User.id).where(User.role == Role.admin, col(User.is_active).is_(True))
        ).all()
        message = Message(
            "{n} emergencies have waited more than {minutes} minutes without a clinician",
            n=len(overdue),
            minutes=int(target.total_seconds() // 60),
        )
        for admin_id in admins:
            notifications.notify(
                db=db, user_id=admin_id, kind="emergency", message=message, link="/review"
            )
        notifications.notify_clinicians(db=db, kind="emergency", message=message, link="/review")
    return len(overdue)
