"""Events the practice invites people to, and the SÍ that registers an invited contact."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from app.accounts.models import User
from app.audit import service as audit
from app.contacts.models import Contact
from app.errors import InvalidInput, NotFound
from app.i18n import translator
from app.outreach.models import Campaign, Event, EventRegistration
from app.settings import get_settings
from app.sms.models import OutboundSms, SmsKind

# The messages a SÍ may answer: the most recent of them decides what the SÍ is for.
ASKING = (SmsKind.reminder, SmsKind.invitation)


def create(
    *,
    db: Session,
    actor: User,
    title: str,
    place: str,
    local_start: datetime,
    capacity: int | None,
    now: datetime,
) -> Event:
    """An event at a local time of the practice."""
    if not title.strip():
        raise InvalidInput("a title is required", field="title")
    if not place.strip():
        raise InvalidInput("say where it takes place", field="place")
    if capacity is not None and not 1 <= capacity <= 100_000:
        raise InvalidInput("places: a number from 1 to 100,000", field="capacity")
    starts_at = local_start.replace(tzinfo=get_settings().zone).astimezone(now.tzinfo)
    if starts_at <= now:
        raise InvalidInput("that time is in the past: choose a later time", field="starts_at")
    event = Event(
        title=title.strip()[:120],
        place=place.strip()[:120],
        starts_at=starts_at,
        capacity=capacity,
        created_by=actor.id,
        created_at=now,
    )
    db.add(event)
    db.flush()
    audit.record(db, actor=actor, action="event.create", object_type="event", object_id=event.id)
    return event


def get(*, db: Session, event_id: int) -> Event:
    event = db.get(Event, event_id)
    if event is None:
        raise NotFound("no such event")
    return event


def listing(*, db: Session) -> list[tuple[Event, int]]:
    """Events, the next first, with how many registered."""
    registered = (
        select(EventRegistration.event_id, func.count().label("n"))
        .group_by(EventRegistration.event_id)
        .subquery()
    )
    query = (
        select(Event, func.coalesce(registered.c.n, 0))
        .outerjoin(registered, registered.c.event_id == Event.id)
        .order_by(col(Event.starts_at).desc())
        .limit(200)
    )
    return list(db.exec(query))


def attendees(*, db: Session, event_id: int) -> list[tuple[EventRegistration, Contact]]:
    query = (
        select(EventRegistration, Contact)
        .join(Contact, col(Contact.id) == EventRegistration.contact_id)
        .where(EventRegistration.event_id == event_id)
        .order_by(col(EventRegistration.registered_at))
    )
    return list(db.exec(query))


def answered_invitation(*, db: Session, phone: str) -> OutboundSms | None:
    """The invitation a SÍ from this number answers: the most recent message sent to it that asks
    for a SÍ is an invitation (no appointment reminder came after it)."""
    query = (
        select(OutboundSms)
        .where(
            OutboundSms.to_phone == phone,
            col(OutboundSms.kind).in_(ASKING),
            col(OutboundSms.sent_at).is_not(None),
        )
        .order_by(col(OutboundSms.sent_at).desc(), col(OutboundSms.id).desc())
    )
    latest = db.exec(query.limit(1)).first()
    if latest is None or latest.kind != SmsKind.invitation or latest.campaign_id is None:
        return None
    return latest


def register_reply(
    *, db: Session, invitation: OutboundSms, keyword: str, now: datetime
) -> tuple[Contact | None, str]:
    """Register the invited contact for the event; the SMS that says so, in their language."""
    campaign = db.get(Campaign, invitation.campaign_id)
    event = db.get(Event, campaign.event_id) if campaign and campaign.event_id else None
    contact = db.get(Contact, invitation.contact_id) if invitation.contact_id else None
    _ = translator(str(contact.language if contact else invitation.language))
    if event is None or contact is None:
        return contact, _("Sorry: this event is no longer on.")
    local = event.starts_at.astimezone(get_settings().zone)
    values = {"evento": event.title, "fecha": f"{local:%d/%m/%Y}", "hora": f"{local:%H:%M}"}
    if event.starts_at <= now:
        return contact, _("Sorry: {evento} has already begun.", **values)
    mine = select(EventRegistration.id).where(
        EventRegistration.event_id == event.id, EventRegistration.contact_id == contact.id
    )
    if db.exec(mine).first() is None:
        taken = db.exec(select(func.count()).where(EventRegistration.event_id == event.id)).one()
        if event.capacity is not None and taken >= event.capacity:
            return contact, _("Sorry: {evento} is full.", **values)
        try:
            with db.begin_nested():
                row = EventRegistration(
                    event_id=event.id,
                    contact_id=contact.id,
                    keyword=keyword[:20],
                    registered_at=now,
                )
                db.add(row)
                db.flush()
            audit.record(
                db,
                actor=None,
                action="event.register",
                object_type="event",
                object_id=event.id,
                contact=contact.id,
            )
        except IntegrityError:
            pass  # the same SÍ arrived twice at once: one registration
    return contact, _(
        "Thank you: you are registered for {evento} on {fecha} at {hora}. See you there.", **values
    )
