"""What Twilio (or the browser phone, the same way) posts during a call, each request verified first.

Every request carries X-Twilio-Signature over the public URL and the form; one that fails the check
gets 403 and changes nothing. The call's id is in the path and its CallSid must be the call's own.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.calls import service, twiml
from app.calls.models import CallCampaign, OutboundCall, Survey
from app.calls.phone import signing_token
from app.clock import utcnow
from app.contacts.models import Language, Purpose
from app.database import session_scope
from app.deps import PathId
from app.sms.webhooks import FORBIDDEN, twilio_form

router = APIRouter(prefix="/webhooks/twilio/voice", include_in_schema=False)


def _xml(body: str) -> Response:
    return Response(body, media_type="text/xml")


def _repeat(request: Request) -> int:
    value = request.query_params.get("repeat", "0")
    return min(int(value), twiml.REPEATS) if value.isdigit() else 0


def _digit(params: dict[str, str]) -> int | None:
    digits = params.get("Digits", "")
    return int(digits) if len(digits) == 1 and digits.isdigit() else None


def _message_text(campaign: CallCampaign, language: Language) -> str:
    return (campaign.message_es if language == Language.es else campaign.message_en) or ""


def _step(db: Session, call: OutboundCall, position: int, *, intro: bool = False, **options) -> str:
    """The survey's question at `position`, or its closing after the last one."""
    campaign = db.get(CallCampaign, call.campaign_id)
    survey = db.get(Survey, campaign.survey_id)
    asked = service.questions(db=db, survey_id=survey.id)
    after = [q for q in asked if q.position >= position]
    if not after:
        return twiml.closing(call, survey)
    current = after[0]
    following = [q for q in asked if q.position > current.position]
    next_step = f"question/{following[0].position}" if following else "closing"
    return twiml.question(call, survey, current, next_step, intro=intro, **options)


async def _verified(request: Request):
    params = await twilio_form(request, signing_token())
    if params is None or not params.get("CallSid"):
        return None, None
    return params, params["CallSid"]


@router.post("/{call_id}/answer", name="voice_answer")
async def voice_answer(request: Request, call_id: PathId):
    params, sid = await _verified(request)
    if params is None:
        return FORBIDDEN
    with session_scope() as db:
        call = service.for_webhook(db, call_id, sid)
        if call is None:
            return _xml(twiml.hang_up())
        answered_by = params.get("AnsweredBy") or None
        service.answered(db, call, answered_by, utcnow())
        machine = service.answered_by_machine(answered_by)
        campaign = db.get(CallCampaign, call.campaign_id)
        if call.purpose == Purpose.surveys:
            # A machine cannot answer a survey: hang up, and the call is dialled again later.
            return _xml(twiml.hang_up() if machine else _step(db, call, 1, intro=True))
        return _xml(twiml.message(call, _message_text(campaign, call.language), machine=machine))


@router.post("/{call_id}/message", name="voice_message")
async def voice_message(request: Request, call_id: PathId):
    params, sid = await _verified(request)
    if params is None:
        return FORBIDDEN
    with session_scope() as db:
        call = service.for_webhook(db, call_id, sid)
        if call is None or call.purpose == Purpose.surveys:
            return _xml(twiml.hang_up())
        campaign = db.get(CallCampaign, call.campaign_id)
        text = _message_text(campaign, call.language)
        return _xml(twiml.message(call, text, machine=False, repeat=_repeat(request)))


@router.post("/{call_id}/message/keys", name="voice_message_keys")
async def voice_message_keys(request: Request, call_id: PathId):
    params, sid = await _verified(request)
    if params is None:
        return FORBIDDEN
    with session_scope() as db:
        call = service.for_webhook(db, call_id, sid)
        if call is None or call.purpose == Purpose.surveys:
            return _xml(twiml.hang_up())
        if _digit(params) == service.OPT_OUT_KEY:
            service.opt_out(db, call, utcnow())
            return _xml(twiml.opted_out(call))
        campaign = db.get(CallCampaign, call.campaign_id)
        text = _message_text(campaign, call.language)
        return _xml(twiml.message(call, text, machine=False, repeat=1))


@router.post("/{call_id}/question/{position}", name="voice_question")
async def voice_question(request: Request, call_id: PathId, position: PathId):
    params, sid = await _verified(request)
    if params is None:
        return FORBIDDEN
    with session_scope() as db:
        call = service.for_webhook(db, call_id, sid)
        if call is None or call.purpose != Purpose.surveys:
            return _xml(twiml.hang_up())
        return _xml(_step(db, call, position, repeat=_repeat(request)))


@router.post("/{call_id}/question/{position}/keys", name="voice_question_keys")
async def voice_question_keys(request: Request, call_id: PathId, position: PathId):
    params, sid = await _verified(request)
    if params is None:
        return FORBIDDEN
    now = utcnow()
    with session_scope() as db:
        call = service.for_webhook(db, call_id, sid)
        if call is None or call.purpose != Purpose.surveys:
            return _xml(twiml.hang_up())
        digit = _digit(params)
        if digit == service.OPT_OUT_KEY:
            service.opt_out(db, call, now)
            return _xml(twiml.opted_out(call))
        campaign = db.get(CallCampaign, call.campaign_id)
        asked = next(
            (
                q
                for q in service.questions(db=db, survey_id=campaign.survey_id)
                if q.position == position
            ),
            None,
        )
        if asked is None:
            return _xml(twiml.hang_up())
        if digit not in dict(service.keys(asked, call.language)):
            repeat = _repeat(request)
            return _xml(_step(db, call, position, repeat=repeat, not_an_option=True))
        service.record_answer(db, call, asked, digit, now)
        return _xml(_step(db, call, position + 1))


@router.post("/{call_id}/closing", name="voice_closing")
async def voice_closing(request: Request, call_id: PathId):
    params, sid = await _verified(request)
    if params is None:
        return FORBIDDEN
    with session_scope() as db:
        call = service.for_webhook(db, call_id, sid)
        if call is None or call.purpose != Purpose.surveys:
            return _xml(twiml.hang_up())
        campaign = db.get(CallCampaign, call.campaign_id)
        return _xml(twiml.closing(call, db.get(Survey, campaign.survey_id)))


@router.post("/{call_id}/status", name="voice_status")
async def voice_status(request: Request, call_id: PathId):
    params, sid = await _verified(request)
    if params is None:
        return FORBIDDEN
    with session_scope() as db:
        call = service.for_webhook(db, call_id, sid)
        if call is not None:
            service.apply_status(
                db,
                call,
                (params.get("CallStatus") or "").lower(),
                params.get("AnsweredBy") or None,
                utcnow(),
            )
    return Response(status_code=204)
