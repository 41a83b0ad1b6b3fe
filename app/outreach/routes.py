"""Pages and API for outreach: message templates, results ready, events and campaigns."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse

from app.clock import utcnow
from app.contacts import service as contacts
from app.contacts.auth import CareStaff
from app.contacts.models import Language
from app.deps import AdminUser, ClinicianUser, MarketingUser, PathId, PostViewer, SessionDep
from app.errors import InvalidInput
from app.outreach import campaigns, events, results, templates
from app.outreach.models import CampaignStatus, TemplateKind
from app.outreach.schemas import ResultsReadyIn, ResultsReadyPublic
from app.sms.encoding import measure
from web.flash import flash
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["outreach"])
KINDS = tuple(TemplateKind)


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _number(value: str | None, field: str) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 6:
        raise InvalidInput("a whole number", field=field)
    return int(text)


def _local(value: str | None, field: str) -> datetime | None:
    """A datetime-local field (2026-12-01T10:00) as a naive local time of the practice."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise InvalidInput("a date and time, e.g. 2026-12-01 10:00", field=field) from None


# Message templates: admins write them, clinicians approve each version.


@pages.get("/message-templates", name="message_templates")
def template_list(request: Request, db: SessionDep, _user: PostViewer):
    context = {"templates": templates.listing(db=db), "kinds": KINDS}
    return render(request, "outreach/templates.html", context)


@pages.post("/message-templates", name="message_template_create")
async def template_create(request: Request, db: SessionDep, user: AdminUser):
    form = await request.form()
    kind = str(form.get("kind", ""))
    if kind not in KINDS:
        raise InvalidInput("choose what the template is for", field="kind")
    template = templates.save(
        db=db,
        actor=user,
        kind=TemplateKind(kind),
        name=str(form.get("name", "")),
        text_es=str(form.get("text_es", "")),
        text_en=str(form.get("text_en", "")),
        now=utcnow(),
    )
    flash(request, "Template saved: a clinician must approve it before it is used.")
    return _see(f"/message-templates/{template.id}")


@pages.get("/message-templates/{template_id}", name="message_template_detail")
def template_detail(request: Request, db: SessionDep, _user: PostViewer, template_id: PathId):
    template = templates.get(db=db, template_id=template_id)
    context = {
        "template": template,
        "placeholders": templates.PLACEHOLDERS[template.kind],
        "samples": {lang: templates.render(template, None, lang) for lang in Language},
        "promotional": template.kind in templates.PROMOTIONAL,
    }
    context["measures"] = {lang: measure(text) for lang, text in context["samples"].items()}
    return render(request, "outreach/template.html", context)


@pages.post("/message-templates/{template_id}", name="message_template_save")
async def template_save(request: Request, db: SessionDep, user: AdminUser, template_id: PathId):
    template = templates.get(db=db, template_id=template_id)
    form = await request.form()
    templates.save(
        db=db,
        actor=user,
        kind=template.kind,
        name=str(form.get("name", "")),
        text_es=str(form.get("text_es", "")),
        text_en=str(form.get("text_en", "")),
        now=utcnow(),
        template_id=template.id,
        expected_version=_number(str(form.get("version", "")), "version"),
    )
    flash(request, "Template saved: a clinician must approve it before it is used.")
    return _see(f"/message-templates/{template.id}")


@pages.post("/message-templates/{template_id}/approve", name="message_template_approve")
def template_approve(
    request: Request,
    db: SessionDep,
    user: ClinicianUser,
    template_id: PathId,
    version: Annotated[int, Form(ge=1, le=2**31 - 1)],
):
    template = templates.get(db=db, template_id=template_id)
    templates.approve(db=db, template=template, clinician=user, version=version, now=utcnow())
    flash(request, "Template approved.")
    return _see(f"/message-templates/{template.id}")


# Results ready: no free text, only an approved template.


@pages.post("/contacts/{contact_id}/results-ready", name="results_ready_send")
def results_ready_send(
    request: Request,
    db: SessionDep,
    user: CareStaff,
    contact_id: PathId,
    template_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
):
    contact = contacts.get(db=db, contact_id=contact_id)
    queued = results.notify(
        db=db, contact=contact, actor=user, now=utcnow(), template_id=template_id
    )
    if queued.decision:
        flash(request, "Results-ready SMS queued.")
    else:
        flash(request, "Not sent: {reason}.", "error", reason=queued.decision.reason)
    return _see(f"/contacts/{contact.id}#results")


@api.post(
    "/results-ready",
    response_model=ResultsReadyPublic,
    status_code=201,
    responses={200: {"model": ResultsReadyPublic, "description": "sent before: nothing new"}},
)
def api_results_ready(db: SessionDep, user: CareStaff, data: ResultsReadyIn):
    contact = results.find_contact(db=db, reference=data.contact)
    queued = results.notify(
        db=db,
        contact=contact,
        actor=user,
        now=utcnow(),
        external_id=data.external_id,
        template_id=data.template_id,
    )
    notice = queued.notice
    body = ResultsReadyPublic(
        **notice.model_dump(),
        sms_status=results.status_of(db, notice),
        created=queued.created,
        may_send=queued.decision.allowed,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=201 if queued.created else 200)


# Events and their invitations.


@pages.get("/events", name="event_list")
def event_list(request: Request, db: SessionDep, _user: PostViewer):
    return render(request, "outreach/events.html", {"events": events.listing(db=db)})


@pages.post("/events", name="event_create")
def event_create(
    request: Request,
    db: SessionDep,
    user: MarketingUser,
    title: Annotated[str, Form(max_length=120)],
    place: Annotated[str, Form(max_length=120)],
    starts_at: Annotated[str, Form(max_length=40)],
    capacity: Annotated[str, Form(max_length=10)] = "",
):
    event = events.create(
        db=db,
        actor=user,
        title=title,
        place=place,
        local_start=_local(starts_at, "starts_at") or utcnow().replace(tzinfo=None),
        capacity=_number(capacity, "capacity"),
        now=utcnow(),
    )
    flash(request, "Event created: invite people to it.")
    return _see(f"/events/{event.id}")


@pages.get("/events/{event_id}", name="event_detail")
def event_detail(request: Request, db: SessionDep, _user: PostViewer, event_id: PathId):
    event = events.get(db=db, event_id=event_id)
    context = {
        "event": event,
        "attendees": events.attendees(db=db, event_id=event.id),
        "invitations": campaigns.listing(db=db, event_id=event.id),
    }
    return render(request, "outreach/event.html", context)


# Campaigns (and the invitations to events, which are campaigns of their own kind).


def _campaign_form(form) -> campaigns.CampaignIn:
    kind = str(form.get("kind", ""))
    if kind not in (TemplateKind.campaign, TemplateKind.invitation):
        raise InvalidInput("a campaign or an invitation", field="kind")
    language = str(form.get("language", ""))
    if language and language not in Language.__members__:
        raise InvalidInput("es or en", field="language")
    template_id = _number(str(form.get("template_id", "")), "template_id")
    if template_id is None:
        raise InvalidInput("choose an approved template", field="template_id")
    return campaigns.CampaignIn(
        name=str(form.get("name", ""))[:120],
        kind=TemplateKind(kind),
        template_id=template_id,
        local_time=_local(str(form.get("scheduled_at", "")), "scheduled_at"),
        tags=tuple(str(form.get("tags", ""))[:500].replace(";", ",").split(",")),
        language=language or None,
        age_min=_number(str(form.get("age_min", "")), "age_min"),
        age_max=_number(str(form.get("age_max", "")), "age_max"),
        event_id=_number(str(form.get("event_id", "")), "event_id"),
    )


@pages.get("/campaigns", name="campaign_list")
def campaign_list(request: Request, db: SessionDep, _user: PostViewer):
    rows = campaigns.listing(db=db)
    context = {
        "campaigns": rows,
        "counts": {c.id: campaigns.counts(db=db, campaign=c) for c in rows},
    }
    return render(request, "outreach/campaigns.html", context)


@pages.get("/campaigns/new", name="campaign_new")
def campaign_new(
    request: Request,
    db: SessionDep,
    _user: MarketingUser,
    event_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
):
    kind = TemplateKind.invitation if event_id else TemplateKind.campaign
    event = events.get(db=db, event_id=event_id) if event_id else None
    context = {
        "kind": kind,
        "event": event,
        "templates": templates.approved(db=db, kind=kind),
    }
    return render(request, "outreach/campaign_new.html", context)


@pages.post("/campaigns/audience", name="campaign_audience")
async def campaign_audience(request: Request, db: SessionDep, _user: MarketingUser):
    """An htmx fragment: how many contacts the segment reaches, and the SMS with its footer."""
    data = _campaign_form(await request.form())
    segment = campaigns.segment_from(data)
    now = utcnow()
    purpose = campaigns.PURPOSE[data.kind]
    people = campaigns.audience(db=db, segment=segment, purpose=purpose, now=now)
    in_segment = len(campaigns.members_of(db=db, segment=segment, now=now))
    template = templates.get(db=db, template_id=data.template_id)
    language = data.language or "es"
    sample = templates.render(template, None, language, **campaigns.event_values(db, data.event_id))
    context = {"reachable": len(people), "in_segment": in_segment, "m": measure(sample)}
    return render(request, "outreach/_audience.html", context | {"sample": sample})


@pages.post("/campaigns", name="campaign_create")
async def campaign_create(request: Request, db: SessionDep, user: MarketingUser):
    data = _campaign_form(await request.form())
    campaign = campaigns.create(db=db, data=data, actor=user, now=utcnow())
    flash(request, "Campaign saved as a draft: check it and schedule it.")
    return _see(f"/campaigns/{campaign.id}")


@pages.get("/campaigns/{campaign_id}", name="campaign_detail")
def campaign_detail(request: Request, db: SessionDep, _user: PostViewer, campaign_id: PathId):
    campaign = campaigns.get(db=db, campaign_id=campaign_id)
    samples = {lang: campaigns.preview(db, campaign, lang) for lang in Language}
    context = {
        "campaign": campaign,
        "template": templates.get(db=db, template_id=campaign.template_id),
        "event": events.get(db=db, event_id=campaign.event_id) if campaign.event_id else None,
        "counts": campaigns.counts(db=db, campaign=campaign),
        "samples": samples,
        "measures": {lang: measure(text) for lang, text in samples.items()},
        "statuses": CampaignStatus,
    }
    return render(request, "outreach/campaign.html", context)


def _step(request: Request, db, user, campaign_id: int, step, done: str) -> RedirectResponse:
    campaign = campaigns.get(db=db, campaign_id=campaign_id)
    step(db=db, campaign=campaign, actor=user, now=utcnow())
    flash(request, done)
    return _see(f"/campaigns/{campaign.id}")


@pages.post("/campaigns/{campaign_id}/schedule", name="campaign_schedule")
def campaign_schedule(request: Request, db: SessionDep, user: MarketingUser, campaign_id: PathId):
    return _step(request, db, user, campaign_id, campaigns.schedule, "Campaign scheduled.")


@pages.post("/campaigns/{campaign_id}/pause", name="campaign_pause")
def campaign_pause(request: Request, db: SessionDep, user: MarketingUser, campaign_id: PathId):
    return _step(request, db, user, campaign_id, campaigns.pause, "Campaign paused.")


@pages.post("/campaigns/{campaign_id}/resume", name="campaign_resume")
def campaign_resume(request: Request, db: SessionDep, user: MarketingUser, campaign_id: PathId):
    return _step(request, db, user, campaign_id, campaigns.resume, "Campaign resumed.")


@pages.post("/campaigns/{campaign_id}/cancel", name="campaign_cancel")
def campaign_cancel(request: Request, db: SessionDep, user: MarketingUser, campaign_id: PathId):
    return _step(request, db, user, campaign_id, campaigns.cancel, "Campaign cancelled.")
