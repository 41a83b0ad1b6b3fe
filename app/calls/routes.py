"""Call pages: surveys and their builder, call campaigns, results with charts and CSV, the browser phone."""

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.models import Role, User
from app.calls import phone, results, service
from app.calls.models import QuestionKind
from app.calls.webhooks import router as webhooks
from app.clock import utcnow
from app.contacts.models import Language, Purpose
from app.contacts.segments import Segment
from app.deps import MarketingUser, PathId, SessionDep, require_roles
from app.errors import InvalidInput
from app.settings import get_settings
from web.flash import flash
from web.templating import render, request_locale

pages = APIRouter(include_in_schema=False)
pages.include_router(webhooks)
api = APIRouter(prefix="/api", tags=["calls"])
# Admins and marketing build surveys and campaigns; verified clinicians read the results too.
CallReader = Annotated[
    User,
    Depends(require_roles(Role.admin, Role.marketing, Role.clinician, verified_clinician=True)),
]
Text = Annotated[str, Form(max_length=1000)]
Name = Annotated[str, Form(min_length=1, max_length=120)]


def _language(value: str) -> Language | None:
    return Language(value) if value in ("es", "en") else None


@pages.get("/calls", name="calls_home")
def calls_home(request: Request, db: SessionDep, user: CallReader):
    context = {
        "surveys": service.list_surveys(db=db),
        "campaigns": service.list_campaigns(db=db),
        "builder": user.role in (Role.admin, Role.marketing),
    }
    return render(request, "calls/home.html", context)


@pages.post("/calls/surveys", name="survey_create")
def survey_create(
    db: SessionDep,
    user: MarketingUser,
    name: Name,
    intro_es: Text,
    intro_en: Text,
    closing_es: Text,
    closing_en: Text,
):
    survey = service.create_survey(
        db=db,
        name=name,
        intro={"es": intro_es, "en": intro_en},
        closing={"es": closing_es, "en": closing_en},
        actor=user,
    )
    return RedirectResponse(f"/calls/surveys/{survey.id}", status_code=303)


@pages.get("/calls/surveys/{survey_id}", name="survey_detail")
def survey_detail(request: Request, db: SessionDep, user: CallReader, survey_id: PathId):
    survey = service.get_survey(db=db, survey_id=survey_id)
    shown_in = Language(request_locale(request))
    context = {
        "survey": survey,
        "questions": [
            (q, service.keys(q, shown_in)) for q in service.questions(db=db, survey_id=survey.id)
        ],
        "kinds": list(QuestionKind),
        "builder": user.role in (Role.admin, Role.marketing),
    }
    return render(request, "calls/survey.html", context)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@pages.post("/calls/surveys/{survey_id}/questions", name="survey_question_add")
def survey_question_add(
    db: SessionDep,
    user: MarketingUser,
    survey_id: PathId,
    kind: Annotated[QuestionKind, Form()],
    text_es: Text,
    text_en: Text,
    options_es: Text = "",
    options_en: Text = "",
):
    survey = service.get_survey(db=db, survey_id=survey_id)
    service.add_question(
        db=db,
        survey=survey,
        kind=kind,
        text={"es": text_es, "en": text_en},
        options={"es": _lines(options_es), "en": _lines(options_en)},
        actor=user,
    )
    return RedirectResponse(f"/calls/surveys/{survey.id}", status_code=303)


@pages.post("/calls/questions/{question_id}/up", name="survey_question_up")
def survey_question_up(request: Request, db: SessionDep, user: MarketingUser, question_id: PathId):
    service.move_question(db=db, question_id=question_id, actor=user)
    return RedirectResponse(request.headers.get("referer") or "/calls", status_code=303)


@pages.get("/calls/campaigns/new", name="call_campaign_new")
def call_campaign_new(request: Request, db: SessionDep, _user: MarketingUser):
    context = {"surveys": service.list_surveys(db=db)}
    return render(request, "calls/campaign_new.html", context)


def _starts_at(value: str) -> datetime:
    if not value:
        return utcnow()
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("the start is not a date and time", field="starts_at") from None
    return local.replace(tzinfo=ZoneInfo(get_settings().timezone))


@pages.post("/calls/campaigns", name="call_campaign_create")
def call_campaign_create(
    request: Request,
    db: SessionDep,
    user: MarketingUser,
    name: Name,
    purpose: Annotated[Purpose, Form()],
    survey_id: Annotated[int | None, Form(ge=1)] = None,
    message_es: Text = "",
    message_en: Text = "",
    tags: Annotated[str, Form(max_length=300)] = "",
    language: Annotated[str, Form(max_length=5)] = "",
    starts_at: Annotated[str, Form(max_length=20)] = "",
):
    campaign = service.create_campaign(
        db=db,
        name=name,
        purpose=purpose,
        segment=Segment(
            tuple(t.strip() for t in tags.split(",") if t.strip()), _language(language)
        ),
        starts_at=_starts_at(starts_at),
        actor=user,
        now=utcnow(),
        survey_id=survey_id,
        message={"es": message_es, "en": message_en},
    )
    flash(request, "Campaign “{name}” scheduled.", name=campaign.name)
    return RedirectResponse("/calls", status_code=303)


@pages.post("/calls/campaigns/{campaign_id}/cancel", name="call_campaign_cancel")
def call_campaign_cancel(
    request: Request, db: SessionDep, user: MarketingUser, campaign_id: PathId
):
    skipped = service.cancel_campaign(db=db, campaign_id=campaign_id, actor=user, now=utcnow())
    flash(request, "Campaign cancelled: {n} calls will not be made.", n=skipped)
    return RedirectResponse("/calls", status_code=303)


@pages.get("/calls/surveys/{survey_id}/results", name="survey_results")
def survey_results(
    request: Request,
    db: SessionDep,
    _user: CallReader,
    survey_id: PathId,
    language: str = "",
    tag: str = "",
):
    survey = service.get_survey(db=db, survey_id=survey_id)
    summary = results.summary(
        db=db,
        survey=survey,
        shown_in=Language(request_locale(request)),
        language=_language(language),
        tag=tag.strip()[:40] or None,
    )
    context = {
        "survey": survey,
        "results": [(r, results.chart(r)) for r in summary],
        "language": language,
        "tag": tag[:40],
    }
    return render(request, "calls/results.html", context)


@pages.get("/calls/surveys/{survey_id}/results.csv", name="survey_results_csv")
def survey_results_csv(
    db: SessionDep, _user: CallReader, survey_id: PathId, language: str = "", tag: str = ""
):
    survey = service.get_survey(db=db, survey_id=survey_id)
    body = results.to_csv(
        db=db, survey=survey, language=_language(language), tag=tag.strip()[:40] or None
    )
    headers = {"Content-Disposition": f'attachment; filename="survey-{survey.id}.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


# ---- the browser phone ---------------------------------------------------------------------


@pages.get("/calls/phone", name="call_phone")
def call_phone(request: Request, db: SessionDep, _user: MarketingUser):
    return render(request, "calls/phone.html", {"calls": phone.recent(db), "current": None})


@pages.get("/calls/phone/{local_id}", name="call_phone_call")
def call_phone_call(request: Request, db: SessionDep, _user: MarketingUser, local_id: PathId):
    current = phone.get(db, local_id)
    if current is None:
        from app.errors import NotFound

        raise NotFound("no such call")
    context = {"calls": phone.recent(db), "current": current, "screen": phone.screen(current)}
    return render(request, "calls/phone.html", context)


def _back(local_id: int) -> RedirectResponse:
    return RedirectResponse(f"/calls/phone/{local_id}", status_code=303)


# The phone's actions post to carepost's own webhooks: they run without this request's session
# (plain `def`, no SessionDep), so no transaction is held while the webhook writes.
@pages.post("/calls/phone/{local_id}/answer", name="call_phone_answer")
def call_phone_answer(
    request: Request,
    _user: MarketingUser,
    local_id: PathId,
    machine: Annotated[bool, Form()] = False,
):
    phone.answer(request.app, local_id, machine=machine)
    return _back(local_id)


@pages.post("/calls/phone/{local_id}/press", name="call_phone_press")
def call_phone_press(
    request: Request,
    _user: MarketingUser,
    local_id: PathId,
    digit: Annotated[str, Form(pattern=r"^[0-9*#]$")],
):
    phone.press(request.app, local_id, digit)
    return _back(local_id)


@pages.post("/calls/phone/{local_id}/silence", name="call_phone_silence")
def call_phone_silence(request: Request, _user: MarketingUser, local_id: PathId):
    phone.silence(request.app, local_id)
    return _back(local_id)


@pages.post("/calls/phone/{local_id}/end", name="call_phone_end")
def call_phone_end(
    request: Request,
    _user: MarketingUser,
    local_id: PathId,
    status: Annotated[str, Form(pattern=r"^(completed|busy|no-answer)$")] = "completed",
):
    phone.ring_out(request.app, local_id, status)
    return _back(local_id)
