"""Calls as the delivery engine sees them, and the surveys and campaigns behind them.

The engine (app/delivery/engine.py; the call kind is app/calls/outbound.py) for one `OutboundCall`:
claim `pending` rows whose `due_at` has come (status `sending` with a lease), `still_wanted` just
before dialling (consent, suppression, sending hours), place the call, then `record_placed` or, on a
`ChannelError`, `record_error`. What happens on the call comes back through the webhooks:
`apply_status` (forward-only, idempotent on CallSid) settles it, and dials a busy line, an
unanswered one or a machine that picked up a survey again later, up to `voice_max_dials`.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.appointments.hours import first_allowed
from app.appointments.service import sending_hours
from app.audit import service as audit
from app.calls.models import (
    CallAnswer,
    CallCampaign,
    CallStatus,
    CampaignStatus,
    OutboundCall,
    QuestionKind,
    Survey,
    SurveyQuestion,
)
from app.contacts import service as contacts
from app.contacts.models import Contact, Language, MessageChannel, Purpose, SuppressionReason
from app.contacts.segments import Segment, reachable
from app.contacts.service import Decision
from app.errors import InvalidInput, NotFound
from app.outreach import templates
from app.settings import get_settings
from connectors.base import ChannelError, ErrorKind
from connectors.voice import ENDED, PlacedCall, moves_forward

OPT_OUT_KEY = 9
CLAIMABLE = (CallStatus.pending, CallStatus.sending)
CALL_PURPOSES = (Purpose.information, Purpose.surveys, Purpose.campaigns)
MAX_OPTIONS = 8  # keys 1-8; 9 is always "no more calls"
ANSWERED_BY_MACHINE = ("machine", "fax")


def answered_by_machine(answered_by: str | None) -> bool:
    return (answered_by or "").startswith(ANSWERED_BY_MACHINE)


def check_spoken(text: str, field: str) -> None:
    """Everything a call says passes the check every message to patients passes: no health data
    about a person, no health claim the classifier rejects (app/outreach/templates.screen)."""
    if not text.strip():
        raise InvalidInput("this text is required", field=field)
    templates.screen([text], field=field)


# ---- surveys -------------------------------------------------------------------------------


def create_survey(
    *, db: Session, name: str, intro: dict[str, str], closing: dict[str, str], actor: User
) -> Survey:
    """A survey with its intro and closing in Spanish and English; questions are added after."""
    for language in Language:
        check_spoken(intro[language], f"intro_{language}")
        check_spoken(closing[language], f"closing_{language}")
    survey = Survey(
        name=name.strip(),
        intro_es=intro["es"],
        intro_en=intro["en"],
        closing_es=closing["es"],
        closing_en=closing["en"],
        created_by=actor.id,
    )
    db.add(survey)
    db.flush()
    audit.record(db, actor=actor, action="survey.create", object_type="survey", object_id=survey.id)
    return survey


def get_survey(*, db: Session, survey_id: int) -> Survey:
    survey = db.get(Survey, survey_id)
    if survey is None:
        raise NotFound("no such survey")
    return survey


def list_surveys(*, db: Session) -> list[Survey]:
    return list(db.exec(select(Survey).order_by(col(Survey.id).desc())))


def questions(*, db: Session, survey_id: int) -> list[SurveyQuestion]:
    query = select(SurveyQuestion).where(SurveyQuestion.survey_id == survey_id)
    return list(db.exec(query.order_by(col(SurveyQuestion.position))))


def add_question(
    *,
    db: Session,
    survey: Survey,
    kind: QuestionKind,
    text: dict[str, str],
    options: dict[str, list[str]],
    actor: User,
) -> SurveyQuestion:
    """Add a question at the end; multiple choice needs 2 to 8 options, the same count per language."""
    for language in Language:
        check_spoken(text[language], f"text_{language}")
    if kind == QuestionKind.choice:
        counts = {len(options[language]) for language in Language}
        if len(counts) != 1 or not 2 <= counts.pop() <= MAX_OPTIONS:
            raise InvalidInput(
                "a multiple-choice question needs 2 to 8 options, as many in each language",
                field="options_es",
            )
        for language in Language:
            for option in options[language]:
                check_spoken(option, f"options_{language}")
    else:
        options = {language: [] for language in Language}
    last = db.exec(
        select(func.max(SurveyQuestion.position)).where(SurveyQuestion.survey_id == survey.id)
    ).one()
    question = SurveyQuestion(
        survey_id=survey.id,
        position=(last or 0) + 1,
        kind=kind,
        text_es=text["es"],
        text_en=text["en"],
        options_es=options["es"],
        options_en=options["en"],
    )
    db.add(question)
    db.flush()
    audit.record(
        db, actor=actor, action="survey.question", object_type="survey", object_id=survey.id
    )
    return question


def move_question(*, db: Session, question_id: int, actor: User) -> None:
    """Swap a question with the one before it."""
    question = db.get(SurveyQuestion, question_id)
    if question is None:
        raise NotFound("no such question")
    siblings = questions(db=db, survey_id=question.survey_id)
    index = next(i for i, q in enumerate(siblings) if q.id == question.id)
    if index == 0:
        return
    before = siblings[index - 1]
    # Positions are unique per survey: park one out of the way while they swap.
    before.position, question.position = -1, before.position
    db.add(before)
    db.flush()
    before.position = question.position + 1
    db.add_all([before, question])
    db.flush()
    audit.record(
        db, actor=actor, action="survey.reorder", object_type="survey", object_id=question.survey_id
    )


def keys(question: SurveyQuestion, language: Language) -> list[tuple[int, str]]:
    """The keys a question accepts and what each means, in the call's language."""
    from app.i18n import translator

    _ = translator(str(language))
    if question.kind == QuestionKind.scale:
        return [(n, str(n)) for n in range(1, 6)]
    if question.kind == QuestionKind.yes_no:
        return [(1, _("yes")), (2, _("no"))]
    labels = question.options_es if language == Language.es else question.options_en
    return list(enumerate(labels, start=1))


# ---- campaigns -----------------------------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def next_allowed(moment: datetime) -> datetime:
    """The first moment at or after `moment` within the practice's sending hours."""
    return first_allowed(moment, sending_hours(), _zone()) or moment


def create_campaign(
    *,
    db: Session,
    name: str,
    purpose: Purpose,
    segment: Segment,
    starts_at: datetime,
    actor: User,
    now: datetime,
    survey_id: int | None = None,
    message: dict[str, str] | None = None,
) -> CallCampaign:
    """A call campaign and one queued call per contact it may reach now (checked again per call)."""
    if purpose not in CALL_PURPOSES:
        raise InvalidInput("a call is informational, commercial or a survey", field="purpose")
    if purpose == Purpose.surveys:
        if survey_id is None or not questions(
            db=db, survey_id=get_survey(db=db, survey_id=survey_id).id
        ):
            raise InvalidInput("choose a survey with at least one question", field="survey_id")
        message = None
    else:
        survey_id = None
        message = message or {}
        for language in Language:
            check_spoken(message.get(language, ""), f"message_{language}")
    campaign = CallCampaign(
        name=name.strip(),
        purpose=purpose,
        survey_id=survey_id,
        message_es=message["es"] if message else None,
        message_en=message["en"] if message else None,
        tags=list(segment.tags),
        language=segment.language,
        starts_at=starts_at,
        created_by=actor.id,
    )
    db.add(campaign)
    db.flush()
    due = next_allowed(max(starts_at, now))
    for contact in reachable(
        db=db, segment=segment, channel=MessageChannel.voice, purpose=purpose, now=now
    ):
        db.add(
            OutboundCall(
                campaign_id=campaign.id,
                contact_id=contact.id,
                to_phone=contact.phone,
                purpose=purpose,
                language=contact.language,
                due_at=due,
            )
        )
    db.flush()
    audit.record(
        db, actor=actor, action="calls.campaign", object_type="callcampaign", object_id=campaign.id
    )
    return campaign


def list_campaigns(*, db: Session) -> list[tuple[CallCampaign, dict[str, int]]]:
    """Campaigns, newest first, each with its calls counted by status."""
    campaigns = list(db.exec(select(CallCampaign).order_by(col(CallCampaign.id).desc())))
    rows = db.exec(
        select(OutboundCall.campaign_id, OutboundCall.status, func.count()).group_by(
            OutboundCall.campaign_id, OutboundCall.status
        )
    )
    counts: dict[int, dict[str, int]] = {}
    for campaign_id, status, count in rows:
        counts.setdefault(campaign_id, {})[str(status)] = count
    return [(c, counts.get(c.id, {})) for c in campaigns]


def get_campaign(*, db: Session, campaign_id: int) -> CallCampaign:
    campaign = db.get(CallCampaign, campaign_id)
    if campaign is None:
        raise NotFound("no such campaign")
    return campaign


def cancel_campaign(*, db: Session, campaign_id: int, actor: User, now: datetime) -> int:
    """Stop a campaign: calls not yet placed are skipped (a claimed one is checked before dialling)."""
    campaign = get_campaign(db=db, campaign_id=campaign_id)
    campaign.status = CampaignStatus.cancelled
    db.add(campaign)
    waiting = db.exec(
        select(OutboundCall).where(
            OutboundCall.campaign_id == campaign.id, OutboundCall.status == CallStatus.pending
        )
    ).all()
    for call in waiting:
        call.status, call.error, call.status_at = (
            CallStatus.skipped,
            "the campaign was cancelled",
            now,
        )
        db.add(call)
    audit.record(
        db, actor=actor, action="calls.cancel", object_type="callcampaign", object_id=campaign.id
    )
    return len(waiting)


# ---- the engine's steps --------------------------------------------------------------------


def still_wanted(db: Session, call: OutboundCall, now: datetime) -> Decision:
    """Re-checked just before dialling: the person may still be called for this purpose."""
    if call.status not in CLAIMABLE:
        return Decision(False, f"the call is {call.status}")
    contact = db.get(Contact, call.contact_id) if call.contact_id else None
    if contact is None:
        return Decision(False, "the contact no longer exists")
    return contacts.may_send(db, contact, MessageChannel.voice, call.purpose, now)


def skip(db: Session, call: OutboundCall, decision: Decision, now: datetime) -> None:
    call.status, call.error, call.status_at = CallStatus.skipped, decision.reason[:300], now
    db.add(call)
    audit.record(
        db,
        actor=None,
        action="call.skip",
        object_type="call",
        object_id=call.id,
        reason=decision.reason[:120],
    )


def record_placed(
    db: Session, call: OutboundCall, placed: PlacedCall, provider: str, now: datetime
) -> None:
    """The provider accepted the call (or the engine found it placed when reconciling)."""
    call.provider, call.provider_sid = provider, placed.remote_id[:64]
    if moves_forward(call.provider_status, placed.status):
        call.provider_status = placed.status
    call.status, call.dials = CallStatus.placed, call.dials + 1
    call.status_at, call.error, call.error_code = now, None, None
    db.add(call)
    audit.record(
        db,
        actor=None,
        action="call.placed",
        object_type="call",
        object_id=call.id,
        provider=provider,
    )
    if placed.status in ENDED:
        settle(db, call, placed.status, now)


def record_error(db: Session, call: OutboundCall, error: ChannelError, now: datetime) -> None:
    call.error, call.error_code, call.status_at = error.message[:300], error.code, now
    if error.kind == ErrorKind.final:
        call.status = CallStatus.failed
    db.add(call)
    audit.record(
        db,
        actor=None,
        action="call.error",
        object_type="call",
        object_id=call.id,
        kind=str(error.kind),
        code=error.code,
    )


def for_webhook(db: Session, call_id: int, call_sid: str) -> OutboundCall | None:
    """The call a webhook speaks of, locked: its SID must be this call's (or the first one told,
    when the webhook beats the provider's answer to the engine)."""
    call = db.exec(select(OutboundCall).where(OutboundCall.id == call_id).with_for_update()).first()
    if call is None or not call_sid:
        return None
    if call.provider_sid is None and call.status == CallStatus.sending:
        call.provider_sid = call_sid[:64]
        return call
    return call if call.provider_sid == call_sid else None


def answered(db: Session, call: OutboundCall, answered_by: str | None, now: datetime) -> None:
    """The call was picked up (by a person or a machine, as detected)."""
    if answered_by and call.answered_by is None:
        call.answered_by = answered_by[:30]
    if moves_forward(call.provider_status, "in-progress"):
        call.provider_status, call.status_at = "in-progress", now
    db.add(call)


def apply_status(
    db: Session, call: OutboundCall, status: str, answered_by: str | None, now: datetime
) -> bool:
    """A status callback: applied only when it moves the call forward; whether anything changed."""
    if answered_by and call.answered_by is None:
        call.answered_by = answered_by[:30]
    if not moves_forward(call.provider_status, status):
        db.add(call)
        return False
    call.provider_status, call.status_at = status, now
    if status in ENDED:
        settle(db, call, status, now)
    db.add(call)
    return True


def _survey_missed(call: OutboundCall) -> bool:
    return call.purpose == Purpose.surveys and answered_by_machine(call.answered_by)


def settle(db: Session, call: OutboundCall, status: str, now: datetime) -> None:
    """A call ended: done, or dialled again later when nobody (but a machine, on a survey) answered."""
    retry = status in ("busy", "no-answer") or (status == "completed" and _survey_missed(call))
    if status == "completed" and not retry:
        call.status = CallStatus.completed
    elif retry and not call.opted_out and call.dials < get_settings().voice_max_dials:
        # A new dial: its SID, status and answer are its own.
        minutes = get_settings().voice_retry_minutes
        call.status, call.due_at = (
            CallStatus.pending,
            next_allowed(now + timedelta(minutes=minutes)),
        )
        call.provider_sid = call.provider_status = call.answered_by = None
        call.claimed_at = call.next_attempt_at = None
        call.attempts, call.needs_reconcile = 0, False
    elif retry:
        call.status = CallStatus.unanswered
    else:
        call.status = CallStatus.failed
    call.error = None if call.status != CallStatus.failed else f"the call ended: {status}"
    db.add(call)


def record_answer(
    db: Session, call: OutboundCall, question: SurveyQuestion, digit: int, now: datetime
) -> bool:
    """Store a key pressed for a question; a repeated webhook keeps the first answer."""
    exists = db.exec(
        select(CallAnswer.id).where(
            CallAnswer.call_id == call.id, CallAnswer.question_id == question.id
        )
    ).first()
    if exists is not None:
        return False
    db.add(CallAnswer(call_id=call.id, question_id=question.id, digit=digit, answered_at=now))
    db.flush()
    return True


def opt_out(db: Session, call: OutboundCall, now: datetime) -> None:
    """The person pressed 9: no more calls to this number, for any purpose."""
    call.opted_out = True
    db.add(call)
    contacts.suppress(
        db=db,
        address=call.to_phone,
        reason=SuppressionReason.keypad,
        now=now,
        channel=MessageChannel.voice,
    )
