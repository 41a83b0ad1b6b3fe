"""Calls: the browser phone as the voice provider, open sending hours, a survey and its contacts."""

import pytest

from app import settings
from app.accounts.models import Role
from app.calls import service
from app.calls.models import QuestionKind
from app.clock import utcnow
from app.contacts import service as contacts
from app.contacts.models import Purpose
from app.contacts.schemas import ContactCreate
from app.contacts.segments import Segment
from app.database import session_scope
from tests.messaging import messaging  # noqa: F401 - fixture


@pytest.fixture
def calling(messaging, monkeypatch):  # noqa: F811
    """Signed webhooks (the Twilio token), the browser phone, and hours that are always open."""
    monkeypatch.setenv("CAREPOST_VOICE_PROVIDER", "phone")
    monkeypatch.setenv("CAREPOST_SMS_HOURS_START", "00:00")
    monkeypatch.setenv("CAREPOST_SMS_HOURS_END", "23:59:59")
    monkeypatch.setenv("CAREPOST_SMS_SEND_ON_SUNDAYS", "true")
    settings.get_settings.cache_clear()
    yield
    settings.get_settings.cache_clear()


def add_contact(db, name: str, phone: str, language: str = "es", tags=("mayores",)):
    return contacts.create(
        db=db,
        data=ContactCreate(name=name, phone=phone, language=language, tags=list(tags)),
        actor=None,
    )


@pytest.fixture
def survey_campaign(calling, make_user):
    """A two-question survey (1-5 scale, yes/no) and a campaign to two contacts, ES and EN."""
    marketer = make_user(Role.marketing)
    with session_scope() as db:
        add_contact(db, "Carmen Ruiz", "+34600000001", "es")
        add_contact(db, "John Smith", "+34600000002", "en", tags=("expats",))
        survey = service.create_survey(
            db=db,
            name="Satisfacción",
            intro={"es": "Hola, le llama su centro de salud.", "en": "Hello, this is your clinic."},
            closing={"es": "Gracias por responder.", "en": "Thank you for answering."},
            actor=marketer,
        )
        service.add_question(
            db=db,
            survey=survey,
            kind=QuestionKind.scale,
            text={"es": "¿Cómo valora la atención?", "en": "How do you rate the care?"},
            options={"es": [], "en": []},
            actor=marketer,
        )
        service.add_question(
            db=db,
            survey=survey,
            kind=QuestionKind.yes_no,
            text={"es": "¿Nos recomendaría?", "en": "Would you recommend us?"},
            options={"es": [], "en": []},
            actor=marketer,
        )
        campaign = service.create_campaign(
            db=db,
            name="Encuesta de noviembre",
            purpose=Purpose.surveys,
            segment=Segment(),
            starts_at=utcnow(),
            actor=marketer,
            now=utcnow(),
            survey_id=survey.id,
        )
        return {"survey_id": survey.id, "campaign_id": campaign.id, "marketer": marketer}
