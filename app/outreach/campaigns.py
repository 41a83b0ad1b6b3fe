"""Prevention campaigns and event invitations: an approved template sent to a segment's opted-in
contacts at a time in the practice's hours; paused, resumed or cancelled while its SMS wait."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.appointments.hours import first_allowed_after
from app.appointments.service import sending_hours
from app.audit import service as audit
from app.contacts.models import Contact, Language, MessageChannel, Purpose
from app.contacts.schemas import clean_tags
from app.contacts.segments import Segment, members, reachable
from app.errors import Conflict, InvalidInput, NotFound
from app.i18n import N_
from app.outreach import templates
from app.outreach.models import (
    Campaign,
    CampaignStatus,
    Event,
    MessageTemplate,
    TemplateKind,
    TemplateStatus,
)
from app.settings import get_settings
from app.sms.models import OutboundSms, SmsKind, SmsStatus

PURPOSE = {TemplateKind.campaign: Purpose.campaigns, TemplateKind.invitation: Purpose.invitations}
SMS_KIND = {TemplateKind.campaign: SmsKind.campaign, TemplateKind.invitation: SmsKind.invitation}
PAUSED = N_("the campaign is paused")
# A time submitted "now" from a form is a few seconds old when it arrives.
PAST_TOLERANCE = timedelta(minutes=2)
# How each SMS status is counted on the campaign page.
COUNTED = {
    SmsStatus.pending: "queued",
    SmsStatus.sending: "queued",
    SmsStatus.sent: "sent",
    SmsStatus.delivered: "delivered",
    SmsStatus.undelivered: "failed",
    SmsStatus.failed: "failed",
    SmsStatus.uncertain: "failed",
    SmsStatus.skipped: "opted_out",
    SmsStatus.withdrawn: "withdrawn",
}


@dataclass(frozen=True)
class CampaignIn:
    name: str
    kind: TemplateKind
    template_id: int
    local_time: datetime | None = None  # naive, in the practice's time zone
    tags: tuple[str, ...] = ()
    language: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    event_id: int | None = None


def segment_of(campaign: Campaign) -> Segment:
    return Segment(
        tuple(campaign.tags or ()), campaign.language, campaign.age_min, campaign.age_max
    )


def segment_from(data: CampaignIn) -> Segment:
    """The segment a submitted form describes (for the audience preview)."""
    language = Language(data.language) if data.language else None
    return Segment(tuple(clean_tags(list(data.tags))), language, data.age_min, data.age_max)


def _today(now: datetime):
    return now.astimezone(get_settings().zone).date()


def audience(*, db: Session, segment: Segment, purpose: Purpose, now: datetime) -> list[Contact]:
    """The segment's contacts the campaign may reach now: opted in for its purpose, not opted out."""
    return reachable(
        db=db,
        segment=segment,
        channel=MessageChannel.sms,
        purpose=purpose,
        now=now,
        today=_today(now),
    )


def members_of(*, db: Session, segment: Segment, now: datetime) -> list[Contact]:
    """Everyone in the segment, opted in or not (the preview shows how many are left out)."""
    return members(db=db, segment=segment, today=_today(now))


def get(*, db: Session, campaign_id: int) -> Campaign:
    campaign = db.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("no such campaign")
    return campaign


def listing(*, db: Session, event_id: int | None = None) -> list[Campaign]:
    """The newest campaigns and invitations (those of one event when event_id is given)."""
    query = select(Campaign).order_by(col(Campaign.id).desc())
    if event_id is not None:
        query = query.where(Campaign.event_id == event_id)
    return list(db.exec(query.limit(200)))


def _check(db: Session, data: CampaignIn) -> None:
    if data.kind not in PURPOSE:
        raise InvalidInput("a campaign or an invitation", field="kind")
    if not data.name.strip():
        raise InvalidInput("a name is required", field="name")
    template = db.get(MessageTemplate, data.template_id)
    if template is None or template.kind != data.kind:
        raise InvalidInput("choose a template of this kind", field="template_id")
    if (data.kind == TemplateKind.invitation) != (data.event_id is not None):
        raise InvalidInput("an invitation belongs to one event", field="event_id")
    if data.event_id is not None and db.get(Event, data.event_id) is None:
        raise NotFound("no such event")
    for field, age in (("age_min", data.age_min), ("age_max", data.age_max)):
        if age is not None and not 0 <= age <= 120:
            raise InvalidInput("an age from 0 to 120", field=field)
    if data.age_min is not None and data.age_max is not None and data.age_min > data.age_max:
        raise InvalidInput("the lowest age is above the highest", field="age_min")


def _moment(local: datetime | None, now: datetime) -> datetime | None:
    """A local time as UTC, within the practice's sending hours and not in the past."""
    if local is None:
        return None
    settings = get_settings()
    when = local.replace(tzinfo=settings.zone)
    if when < now - PAST_TOLERANCE:
        raise InvalidInput("that time is in the past: choose a later time", field="scheduled_at")
    hours = sending_hours()
    if not hours.allows(when):
        raise InvalidInput(
            "SMS go out {start}–{end}, not on Sundays or public holidays: choose another time",
            field="scheduled_at",
            start=f"{hours.start:%H:%M}",
            end=f"{hours.end:%H:%M}",
        )
    return when.astimezone(now.tzinfo)


def create(*, db: Session, data: CampaignIn, actor: User, now: datetime) -> Campaign:
    """A draft campaign: its segment and time, and the template it sends."""
    _check(db, data)
    campaign = Campaign(
        name=data.name.strip()[:120],
        kind=data.kind,
        template_id=data.template_id,
        event_id=data.event_id,
        tags=clean_tags(list(data.tags)),
        language=data.language or None,
        age_min=data.age_min,
        age_max=data.age_max,
        scheduled_at=_moment(data.local_time, now),
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.add(campaign)
    db.flush()
    audit.record(
        db, actor=actor, action="campaign.create", object_type="campaign", object_id=campaign.id
    )
    return campaign


def event_values(db: Session, event_id: int | None) -> dict[str, str]:
    """The event's placeholders of an invitation, in the practice's time zone."""
    event = db.get(Event, event_id) if event_id else None
    if event is None:
        return {}
    local = event.starts_at.astimezone(get_settings().zone)
    return {
        "evento": event.title,
        "lugar": event.place,
        "fecha": f"{local:%d/%m/%Y}",
        "hora": f"{local:%H:%M}",
    }


def preview(db: Session, campaign: Campaign, language: str) -> str:
    """The SMS as its first reader gets it, with the sample name and the footer."""
    template = db.get(MessageTemplate, campaign.template_id)
    return templates.render(template, None, language, **event_values(db, campaign.event_id))


def schedule(*, db: Session, campaign: Campaign, actor: User, now: datetime) -> int:
    """Queue one SMS per reachable contact for the engine at the campaign's time; how many.

    The template must be approved by a clinician; the version approved is bound to the campaign,
    so a later edit of the template stops what has not gone yet."""
    if campaign.status != CampaignStatus.draft:
        raise Conflict("a campaign that is {status} cannot be scheduled", status=campaign.status)
    template = db.get(MessageTemplate, campaign.template_id)
    if template is None or template.status != TemplateStatus.approved:
        raise Conflict("a clinician must approve the template before the campaign is scheduled")
    if campaign.scheduled_at is None:
        raise InvalidInput("choose when the campaign is sent", field="scheduled_at")
    due = max(campaign.scheduled_at, now)
    values = event_values(db, campaign.event_id)
    people = audience(db=db, segment=segment_of(campaign), purpose=PURPOSE[campaign.kind], now=now)
    for contact in people:
        db.add(
            OutboundSms(
                contact_id=contact.id,
                to_phone=contact.phone,
                campaign_id=campaign.id,
                kind=SMS_KIND[campaign.kind],
                purpose=PURPOSE[campaign.kind],
                language=contact.language,
                body=templates.render(template, contact, contact.language, **values),
                due_at=due,
            )
        )
    campaign.template_version = template.version
    campaign.status, campaign.audience, campaign.updated_at = (
        CampaignStatus.scheduled,
        len(people),
        now,
    )
    db.add(campaign)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="campaign.schedule",
        object_type="campaign",
        object_id=campaign.id,
        audience=len(people),
        template_version=template.version,
    )
    return len(people)


def pause(*, db: Session, campaign: Campaign, actor: User, now: datetime) -> Campaign:
    """Hold every SMS not yet sent; the engine re-checks the campaign before each send."""
    if campaign.status != CampaignStatus.scheduled:
        raise Conflict("only a scheduled campaign can be paused")
    _move(db, campaign, (SmsStatus.pending,), SmsStatus.withdrawn, error=PAUSED)
    return _set(db, campaign, CampaignStatus.paused, actor, now)


def resume(*, db: Session, campaign: Campaign, actor: User, now: datetime) -> Campaign:
    """Send what was held, from the first moment the sending hours allow."""
    if campaign.status != CampaignStatus.paused:
        raise Conflict("only a paused campaign can be resumed")
    template = db.get(MessageTemplate, campaign.template_id)
    if template.status != TemplateStatus.approved or template.version != campaign.template_version:
        raise Conflict("the template changed since it was approved; schedule a new campaign")
    soon = first_allowed_after(now, sending_hours(), get_settings().zone) or now
    held = (col(OutboundSms.status) == SmsStatus.withdrawn) | (
        (col(OutboundSms.status) == SmsStatus.skipped) & (col(OutboundSms.error) == PAUSED)
    )
    mine = OutboundSms.campaign_id == campaign.id
    db.exec(update(OutboundSms).where(mine, held).values(status=SmsStatus.pending, error=None))
    pending = OutboundSms.status == SmsStatus.pending
    db.exec(update(OutboundSms).where(mine, pending, OutboundSms.due_at < soon).values(due_at=soon))
    return _set(db, campaign, CampaignStatus.scheduled, actor, now)


def cancel(*, db: Session, campaign: Campaign, actor: User, now: datetime) -> Campaign:
    """Withdraw every SMS not yet sent, for good."""
    if campaign.status not in (
        CampaignStatus.draft,
        CampaignStatus.scheduled,
        CampaignStatus.paused,
    ):
        raise Conflict("this campaign is already cancelled")
    _move(db, campaign, (SmsStatus.pending, SmsStatus.withdrawn), SmsStatus.withdrawn, error=None)
    return _set(db, campaign, CampaignStatus.cancelled, actor, now)


def _move(db, campaign, before, after, *, error) -> None:
    db.exec(
        update(OutboundSms)
        .where(OutboundSms.campaign_id == campaign.id, col(OutboundSms.status).in_(before))
        .values(status=after, error=error)
    )


def _set(db: Session, campaign: Campaign, status: CampaignStatus, actor: User, now) -> Campaign:
    campaign.status, campaign.updated_at = status, now
    db.add(campaign)
    audit.record(
        db, actor=actor, action=f"campaign.{status}", object_type="campaign", object_id=campaign.id
    )
    return campaign


def counts(*, db: Session, campaign: Campaign) -> dict[str, int]:
    """Queued, sent, delivered, failed, opted out (skipped at send time) and withdrawn SMS."""
    found = dict.fromkeys(("queued", "sent", "delivered", "failed", "opted_out", "withdrawn"), 0)
    held = col(OutboundSms.error) == PAUSED
    query = (
        select(OutboundSms.status, held, func.count())
        .where(OutboundSms.campaign_id == campaign.id)
        .group_by(OutboundSms.status, held)
    )
    paused = campaign.status == CampaignStatus.paused
    for status, was_held, number in db.exec(query):
        key = COUNTED[SmsStatus(status)]
        if paused and (key == "withdrawn" or (key == "opted_out" and was_held)):
            key = "queued"  # held, and sent when the campaign resumes
        found[key] += number
    return found


def hold_reason(db: Session, campaign_id: int, now: datetime) -> str | None:
    """Why a campaign's SMS must not go now (paused, cancelled, template changed, event begun)."""
    campaign = db.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.scheduled:
        return PAUSED if campaign and campaign.status == CampaignStatus.paused else "cancelled"
    template = db.get(MessageTemplate, campaign.template_id)
    if template.status != TemplateStatus.approved or template.version != campaign.template_version:
        return "the template changed after it was approved"
    event = db.get(Event, campaign.event_id) if campaign.event_id else None
    if event is not None and event.starts_at <= now:
        return "the event has begun"
    return None
