"""Call campaigns: who is called (care basis or prior consent), what an informational call says to
a person and to a machine, the moderation check on what is spoken, and the engine never dialling
one call twice."""

from xml.etree import ElementTree

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.calls import service
from app.calls.models import CallStatus, LocalCall, OutboundCall, QuestionKind
from app.calls.outbound import CallDeliveries
from app.calls.phone import DatabaseCallPhone
from app.clock import utcnow
from app.contacts import service as contacts
from app.contacts.models import ConsentAction, MessageChannel, Purpose
from app.contacts.schemas import ConsentCreate
from app.contacts.segments import Segment
from app.database import get_engine, session_scope
from app.delivery import engine
from app.errors import InvalidInput
from connectors.base import ChannelError, ErrorKind
from connectors.voice_phone import BrowserPhoneConnector
from tests.calls.conftest import add_contact
from tests.calls.test_webhooks import BASE, call_params, place_calls, post, twiml

MESSAGE = {
    "es": "Desde el lunes el centro atiende en la calle Mayor 5.",
    "en": "From Monday the clinic is at 5 Calle Mayor.",
}


def campaign(user, purpose=Purpose.information, segment=Segment()) -> int:
    with session_scope() as db:
        return service.create_campaign(
            db=db,
            name="Nuevo centro",
            purpose=purpose,
            segment=segment,
            starts_at=utcnow(),
            actor=user,
            now=utcnow(),
            message=MESSAGE,
        ).id


def queued() -> list[OutboundCall]:
    with session_scope() as db:
        return list(db.exec(select(OutboundCall).order_by(OutboundCall.id)))


@pytest.fixture
def marketer(calling, make_user):
    user = make_user(Role.marketing)
    with session_scope() as db:
        add_contact(db, "Carmen Ruiz", "+34600000001", "es", tags=("mayores",))
        add_contact(db, "John Smith", "+34600000002", "en", tags=("expats",))
    return user


def test_commercial_calls_reach_only_contacts_who_opted_in(marketer, make_user):
    admin = make_user(Role.admin)
    with session_scope() as db:
        carmen = contacts.by_phone(db=db, phone="+34600000001")[0]
        contacts.record_consent(
            db=db,
            contact=carmen,
            data=ConsentCreate(
                purpose=Purpose.campaigns,
                action=ConsentAction.granted,
                channel=MessageChannel.voice,
                form="Alta en recepción",
                form_version="1",
                text_shown="Acepto recibir llamadas con ofertas del centro.",
            ),
            staff=admin,
            ip=None,
        )
    campaign(marketer, Purpose.campaigns)
    assert [c.to_phone for c in queued()] == ["+34600000001"]


def test_informational_calls_rest_on_care_and_follow_the_segment(marketer):
    campaign(marketer, segment=Segment(("expats",)))
    assert [(c.to_phone, c.language) for c in queued()] == [("+34600000002", "en")]


def test_a_suppressed_number_is_skipped_at_dial_time(marketer):
    campaign(marketer)
    with session_scope() as db:
        contacts.suppress(
            db=db,
            address="+34600000001",
            reason="keypad",
            now=utcnow(),
            channel=MessageChannel.voice,
        )
    calls = place_calls()
    assert calls["+34600000001"].status == CallStatus.skipped
    assert calls["+34600000002"].status == CallStatus.placed


def test_an_informational_call_leaves_its_message_on_a_machine(marketer, client):
    campaign(marketer)
    call = place_calls()["+34600000001"]
    with session_scope() as db:
        rung = db.exec(select(LocalCall).where(LocalCall.number == call.to_phone)).one()
    assert rung.machine_detection == "DetectMessageEnd"
    params = call_params(call, AnsweredBy="machine_end_beep")
    root = twiml(post(client, f"{BASE}/{call.id}/answer", params))
    assert [s.text for s in root.iter("Say")] == [MESSAGE["es"]]
    assert root.find("Hangup") is not None
    post(client, f"{BASE}/{call.id}/status", call_params(call, CallStatus="completed"))
    with session_scope() as db:
        assert db.get(OutboundCall, call.id).status == CallStatus.completed


def test_a_person_hears_the_message_and_may_press_9(marketer, client):
    campaign(marketer)
    call = place_calls()["+34600000002"]
    root = twiml(post(client, f"{BASE}/{call.id}/answer", call_params(call, AnsweredBy="human")))
    gather = root.find("Gather")
    assert gather.get("action") == f"https://clinic.example{BASE}/{call.id}/message/keys"
    texts = [s.text for s in gather.iter("Say")]
    assert texts[0] == MESSAGE["en"] and any("press 9" in t for t in texts)
    assert {s.get("language") for s in gather.iter("Say")} == {"en-GB"}
    stopped = twiml(post(client, f"{BASE}/{call.id}/message/keys", call_params(call, Digits="9")))
    assert stopped.find("Hangup") is not None
    with session_scope() as db:
        assert contacts.active_suppression(
            db=db, address=call.to_phone, channel=MessageChannel.voice, now=utcnow()
        )
        # Calls only: SMS to the number go on.
        assert not contacts.active_suppression(
            db=db, address=call.to_phone, channel=MessageChannel.sms, now=utcnow()
        )


def test_spoken_texts_carrying_health_data_are_refused(marketer):
    with session_scope() as db, pytest.raises(InvalidInput):
        survey = service.create_survey(
            db=db,
            name="Hábitos",
            intro={"es": "Hola.", "en": "Hello."},
            closing={"es": "Gracias.", "en": "Thanks."},
            actor=marketer,
        )
        service.add_question(
            db=db,
            survey=survey,
            kind=QuestionKind.yes_no,
            text={
                "es": "María López, DNI 12345678Z: su prueba de VIH ha dado positivo.",
                "en": "Do you exercise?",
            },
            options={"es": [], "en": []},
            actor=marketer,
        )


def test_multiple_choice_needs_as_many_options_in_each_language(marketer):
    with session_scope() as db:
        survey = service.create_survey(
            db=db,
            name="Hábitos",
            intro={"es": "Hola.", "en": "Hello."},
            closing={"es": "Gracias.", "en": "Thanks."},
            actor=marketer,
        )
        with pytest.raises(InvalidInput):
            service.add_question(
                db=db,
                survey=survey,
                kind=QuestionKind.choice,
                text={"es": "¿Cuánto camina?", "en": "How much do you walk?"},
                options={"es": ["Poco", "Bastante"], "en": ["Little"]},
                actor=marketer,
            )
        question = service.add_question(
            db=db,
            survey=survey,
            kind=QuestionKind.choice,
            text={"es": "¿Cuánto camina?", "en": "How much do you walk?"},
            options={"es": ["Poco", "Bastante", "Mucho"], "en": ["Little", "Some", "A lot"]},
            actor=marketer,
        )
        assert service.keys(question, "en") == [(1, "Little"), (2, "Some"), (3, "A lot")]


class FlakyPhone(BrowserPhoneConnector):
    """The browser phone, whose line drops after the call was placed: the outcome is unknown."""

    def __init__(self):
        super().__init__(DatabaseCallPhone(get_engine()))
        self.placed = 0

    def place(self, call):
        self.placed += 1
        super().place(call)
        raise ChannelError(ErrorKind.unknown, "the connection dropped")


def test_an_unknown_outcome_is_looked_up_and_never_dialled_again(marketer):
    campaign(marketer, segment=Segment(("mayores",)))
    kind = CallDeliveries(FlakyPhone())
    engine.tick(worker="w1", only=[kind])
    [call] = queued()
    assert call.status == CallStatus.pending and call.needs_reconcile
    with session_scope() as db:
        row = db.get(OutboundCall, call.id)
        row.next_attempt_at = utcnow()
        db.add(row)
    engine.tick(worker="w1", only=[kind])
    [call] = queued()
    assert kind.adapter.placed == 1
    assert call.status == CallStatus.placed and call.provider_sid.startswith("CA")
    with session_scope() as db:
        assert len(list(db.exec(select(LocalCall)))) == 1


def test_survey_twiml_of_a_choice_question_names_every_key(marketer, client):
    with session_scope() as db:
        survey = service.create_survey(
            db=db,
            name="Hábitos",
            intro={"es": "Hola.", "en": "Hello."},
            closing={"es": "Gracias.", "en": "Thanks."},
            actor=marketer,
        )
        service.add_question(
            db=db,
            survey=survey,
            kind=QuestionKind.choice,
            text={"es": "¿Cuánto camina?", "en": "How much do you walk?"},
            options={"es": ["Poco", "Mucho"], "en": ["Little", "A lot"]},
            actor=marketer,
        )
        service.create_campaign(
            db=db,
            name="Hábitos",
            purpose=Purpose.surveys,
            segment=Segment(("expats",)),
            starts_at=utcnow(),
            actor=marketer,
            now=utcnow(),
            survey_id=survey.id,
        )
    call = place_calls()["+34600000002"]
    root = ElementTree.fromstring(
        post(client, f"{BASE}/{call.id}/answer", call_params(call, AnsweredBy="human")).text
    )
    texts = [s.text for s in root.iter("Say")]
    assert "For Little, press 1." in texts and "For A lot, press 2." in texts


def test_a_cancelled_campaign_dials_nobody_more(marketer, login_as):
    campaign_id = campaign(marketer)
    client, _user, csrf = login_as(Role.marketing)
    response = client.post(f"/calls/campaigns/{campaign_id}/cancel", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert {c.status for c in place_calls().values()} == {CallStatus.skipped}
    with session_scope() as db:
        assert db.exec(select(LocalCall)).first() is None
