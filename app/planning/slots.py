"""The posting schedule: weekly slots per channel and the next free one ("Add to queue")."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit import service as audit
from app.channels import service as channels
from app.errors import InvalidInput, NotFound
from app.planning.models import PostingSlot
from app.posts.models import Delivery, DeliveryStatus
from app.settings import get_settings

MAX_ID = 2**31 - 1
HORIZON = timedelta(weeks=8)  # how far ahead the queue looks for a free slot
LEAD = timedelta(minutes=1)  # a slot closer than this to now is already gone
# A delivery in these states holds its moment on its channel; a failed one went nowhere.
HOLDING = (
    DeliveryStatus.pending,
    DeliveryStatus.sending,
    DeliveryStatus.published,
    DeliveryStatus.uncertain,
)


def parse_minute(text: str) -> int:
    """A typed time of day ("09:30") as minutes after midnight; InvalidInput otherwise."""
    try:
        parsed = time.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidInput("use a time like 09:30", field="time") from None
    return parsed.hour * 60 + parsed.minute


def label(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def list_slots(*, db: Session, channel_ids: list[int] | None = None) -> list[PostingSlot]:
    """Slots in weekday and time order, of some channels or of all."""
    query = select(PostingSlot).order_by(
        PostingSlot.channel_id, PostingSlot.weekday, PostingSlot.minute
    )
    if channel_ids is not None:
        query = query.where(col(PostingSlot.channel_id).in_(channel_ids))
    return list(db.exec(query))


def add(*, db: Session, channel_id: int, weekdays: list[int], minute: int, actor: User) -> int:
    """Add the time on each given weekday (0 = Monday) of a channel; returns how many were new."""
    channels.get(db=db, channel_id=channel_id)
    if not weekdays or any(day not in range(7) for day in weekdays):
        raise InvalidInput("choose at least one weekday", field="weekdays")
    if minute not in range(24 * 60):
        raise InvalidInput("use a time like 09:30", field="time")
    existing = {(s.weekday, s.minute) for s in list_slots(db=db, channel_ids=[channel_id])}
    new = sorted({day for day in weekdays if (day, minute) not in existing})
    for day in new:
        db.add(PostingSlot(channel_id=channel_id, weekday=day, minute=minute, created_by=actor.id))
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="schedule.slot_add",
        object_type="channel",
        object_id=channel_id,
        added=len(new),
        time=label(minute),
    )
    return len(new)


def remove(*, db: Session, slot_id: int, actor: User) -> PostingSlot:
    """Take one time off a channel's schedule (posts already queued there stay where they are)."""
    slot = db.get(PostingSlot, slot_id) if 0 < slot_id <= MAX_ID else None
    if slot is None:
        raise NotFound("no such posting time")
    db.delete(slot)
    audit.record(
        db,
        actor=actor,
        action="schedule.slot_remove",
        object_type="channel",
        object_id=slot.channel_id,
        weekday=slot.weekday,
        time=label(slot.minute),
    )
    return slot


def local_moment(day: date, minute: int, zone: ZoneInfo) -> datetime | None:
    """The slot on that day as UTC; None when the clock skips that time (spring forward). In the
    repeated hour of autumn the first of the two moments is meant."""
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return moment


def _shared_slots(db: Session, channel_ids: list[int]) -> dict[int, list[int]]:
    """Weekday -> minutes that are a slot of every one of the channels."""
    per_channel: dict[int, set[tuple[int, int]]] = {cid: set() for cid in channel_ids}
    for slot in list_slots(db=db, channel_ids=channel_ids):
        per_channel[slot.channel_id].add((slot.weekday, slot.minute))
    shared = set.intersection(*per_channel.values()) if per_channel else set()
    by_day: dict[int, list[int]] = defaultdict(list)
    for weekday, minute in sorted(shared):
        by_day[weekday].append(minute)
    return by_day


def _held(db: Session, channel_ids: list[int], now: datetime, exclude_post_id: int | None) -> set:
    """Moments (to the minute, UTC) another post holds on any of the channels."""
    query = select(Delivery.due_at).where(
        col(Delivery.channel_id).in_(channel_ids),
        col(Delivery.status).in_(HOLDING),
        Delivery.due_at >= now,
        Delivery.due_at <= now + HORIZON + timedelta(days=1),
    )
    if exclude_post_id is not None:
        query = query.where(Delivery.post_id != exclude_post_id)
    return {due.replace(second=0, microsecond=0) for due in db.exec(query)}


def next_free_slot(
    *, db: Session, channel_ids: list[int], now: datetime, exclude_post_id: int | None = None
) -> datetime:
    """The first slot after now shared by all the channels that no other post holds (UTC)."""
    zone = get_settings().zone
    by_day = _shared_slots(db, channel_ids)
    if not by_day:
        raise InvalidInput(
            "these channels have no posting time in common: add one on the posting schedule",
            field="channels",
        )
    held = _held(db, channel_ids, now, exclude_post_id)
    today = now.astimezone(zone).date()
    for offset in range(HORIZON.days + 1):
        day = today + timedelta(days=offset)
        for minute in by_day.get(day.weekday(), []):
            moment = local_moment(day, minute, zone)
            if moment is not None and moment >= now + LEAD and moment not in held:
                return moment
    raise InvalidInput(
        "every posting time of these channels is taken for the next {weeks} weeks: add times "
        "on the posting schedule or choose a time yourself",
        field="channels",
        weeks=HORIZON.days // 7,
    )
