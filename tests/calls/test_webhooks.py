"""A survey call end to end through the signed voice webhooks, as Twilio would drive it: the TwiML
carepost serves, the keys pressed, the answers stored, opt-out, machines and retries."""

from xml.etree import ElementTree

from sqlmodel import select
from twilio.request_validator import RequestValidator

from app.calls.models import CallAnswer, CallStatus, LocalCall, OutboundCall
from app.contacts.models import MessageChannel, Suppression
from app.database import session_scope
from scheduler.dispatcher import tick
from tests.messaging import PUBLIC_URL, TWILIO_TOKEN

BASE = "/webhooks/twilio/voice"


def post(client, path: str, params: dict[str, str], token: str = TWILIO_TOKEN):
    """Post like Twilio: the form signed over the public URL with the account's token."""
    url = PUBLIC_URL + path
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def place_calls() -> dict[str, OutboundCall]:
    """One engine tick: every due call placed on the browser phone; calls by number."""
    tick()
    with session_scope() as db:
        return {c.to_phone: c for c in db.exec(select(OutboundCall))}


def call_params(call: OutboundCall, **extra) -> dict[str, str]:
    return {"CallSid": call.provider_sid, "To": call.to_phone, "CallStatus": "in-progress", **extra}


def twiml(response) -> ElementTree.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return ElementTree.fromstring(response.text)


def path_of(url: str) -> str:
    assert url.startswith(PUBLIC_URL + BASE)
    return url.removeprefix(PUBLIC_URL)


def answers(call_id: int) -> list[int]:
    with session_scope() as db:
        rows = db.exec(select(CallAnswer).where(CallAnswer.call_id == call_id))
        return [a.digit for a in sorted(rows, key=lambda a: a.question_id)]


def test_the_engine_places_each_call_once_on_the_browser_phone(survey_campaign, client):
    calls = place_calls()
    assert {c.status for c in calls.values()} == {CallStatus.placed}
    assert tick().claimed == 0
    with session_scope() as db:
        rung = list(db.exec(select(LocalCall)))
    assert sorted(c.number for c in rung) == sorted(calls)
    spanish = calls["+34600000001"]
    local = next(c for c in rung if c.number == spanish.to_phone)
    assert local.url == f"{PUBLIC_URL}{BASE}/{spanish.id}/answer"
    assert local.status_callback == f"{PUBLIC_URL}{BASE}/{spanish.id}/status"
    assert local.machine_detection == "Enable"


def test_survey_twiml_asks_in_the_patients_language_and_stores_each_key(survey_campaign, client):
    calls = place_calls()
    call = calls["+34600000001"]
    root = twiml(post(client, f"{BASE}/{call.id}/answer", call_params(call, AnsweredBy="human")))
    gather = root.find("Gather")
    assert gather.get("input") == "dtmf" and gather.get("numDigits") == "1"
    assert gather.get("action") == f"{PUBLIC_URL}{BASE}/{call.id}/question/1/keys"
    says = gather.findall("Say")
    assert {s.get("language") for s in says} == {"es-ES"}
    assert "Hola, le llama su centro de salud." in [s.text for s in says]
    assert "¿Cómo valora la atención?" in [s.text for s in says]
    assert gather.find("Pause") is not None
    # No key: the question is asked again.
    assert root.find("Redirect").text == f"{PUBLIC_URL}{BASE}/{call.id}/question/1?repeat=1"

    second = twiml(post(client, path_of(gather.get("action")), call_params(call, Digits="4")))
    assert second.find("Gather").get("action") == f"{PUBLIC_URL}{BASE}/{call.id}/question/2/keys"
    assert "¿Nos recomendaría?" in [s.text for s in second.iter("Say")]
    # Twilio repeats a webhook it got no answer to: the answer is kept once.
    post(client, path_of(gather.get("action")), call_params(call, Digits="4"))

    closing = twiml(
        post(client, f"{BASE}/{call.id}/question/2/keys", call_params(call, Digits="1"))
    )
    assert [s.text for s in closing.iter("Say")] == ["Gracias por responder."]
    assert closing.find("Hangup") is not None
    assert answers(call.id) == [4, 1]

    english = calls["+34600000002"]
    root = twiml(
        post(client, f"{BASE}/{english.id}/answer", call_params(english, AnsweredBy="human"))
    )
    assert {s.get("language") for s in root.iter("Say")} == {"en-GB"}


def test_a_key_that_is_no_option_repeats_the_question(survey_campaign, client):
    call = place_calls()["+34600000001"]
    root = twiml(post(client, f"{BASE}/{call.id}/question/1/keys", call_params(call, Digits="7")))
    assert root.find("Gather").get("action").endswith("/question/1/keys")
    assert answers(call.id) == []


def test_a_tampered_or_missing_signature_is_refused(survey_campaign, client):
    call = place_calls()["+34600000001"]
    params = call_params(call, Digits="5")
    assert (
        post(client, f"{BASE}/{call.id}/question/1/keys", params, token="wrong").status_code == 403
    )
    assert client.post(f"{BASE}/{call.id}/question/1/keys", data=params).status_code == 403
    url = PUBLIC_URL + f"{BASE}/{call.id}/question/1/keys"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    tampered = {**params, "Digits": "1"}
    response = client.post(
        f"{BASE}/{call.id}/question/1/keys",
        data=tampered,
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == 403
    assert answers(call.id) == []


def test_another_calls_sid_gets_nothing(survey_campaign, client):
    calls = place_calls()
    mine, other = calls["+34600000001"], calls["+34600000002"]
    root = twiml(post(client, f"{BASE}/{mine.id}/question/1/keys", call_params(other, Digits="5")))
    assert root.find("Hangup") is not None and answers(mine.id) == []


def test_hanging_up_mid_survey_keeps_the_answers_given(survey_campaign, client):
    call = place_calls()["+34600000001"]
    post(client, f"{BASE}/{call.id}/answer", call_params(call, AnsweredBy="human"))
    post(client, f"{BASE}/{call.id}/question/1/keys", call_params(call, Digits="5"))
    status = post(client, f"{BASE}/{call.id}/status", call_params(call, CallStatus="completed"))
    assert status.status_code == 204
    assert answers(call.id) == [5]
    with session_scope() as db:
        assert db.get(OutboundCall, call.id).status == CallStatus.completed


def test_pressing_9_suppresses_the_number_for_calls(survey_campaign, client):
    call = place_calls()["+34600000001"]
    root = twiml(post(client, f"{BASE}/{call.id}/question/1/keys", call_params(call, Digits="9")))
    assert root.find("Hangup") is not None
    with session_scope() as db:
        rows = list(db.exec(select(Suppression).where(Suppression.address == call.to_phone)))
    assert [(r.channel, r.reason) for r in rows] == [(MessageChannel.voice, "keypad")]


def test_statuses_only_move_forward(survey_campaign, client):
    call = place_calls()["+34600000001"]
    post(client, f"{BASE}/{call.id}/status", call_params(call, CallStatus="completed"))
    post(client, f"{BASE}/{call.id}/status", call_params(call, CallStatus="ringing"))
    with session_scope() as db:
        row = db.get(OutboundCall, call.id)
    assert row.provider_status == "completed" and row.status == CallStatus.completed


def test_a_machine_on_a_survey_is_hung_up_on_and_dialled_again_later(survey_campaign, client):
    call = place_calls()["+34600000001"]
    root = twiml(
        post(client, f"{BASE}/{call.id}/answer", call_params(call, AnsweredBy="machine_start"))
    )
    assert list(root) and root[0].tag == "Hangup"
    post(client, f"{BASE}/{call.id}/status", call_params(call, CallStatus="completed"))
    with session_scope() as db:
        row = db.get(OutboundCall, call.id)
    assert row.status == CallStatus.pending and row.dials == 1 and row.provider_sid is None
    # A late callback of the finished dial changes nothing.
    post(client, f"{BASE}/{call.id}/status", call_params(call, CallStatus="busy"))
    with session_scope() as db:
        assert db.get(OutboundCall, call.id).status == CallStatus.pending


def test_busy_lines_are_dialled_up_to_the_limit(survey_campaign, client, monkeypatch):
    from app import settings

    monkeypatch.setenv("CAREPOST_VOICE_MAX_DIALS", "2")
    monkeypatch.setenv("CAREPOST_VOICE_RETRY_MINUTES", "1")
    settings.get_settings.cache_clear()
    call = place_calls()["+34600000001"]
    post(client, f"{BASE}/{call.id}/status", call_params(call, CallStatus="busy"))
    with session_scope() as db:
        row = db.get(OutboundCall, call.id)
        assert row.status == CallStatus.pending
        row.due_at = row.created_at  # the retry's time has come
        db.add(row)
    again = place_calls()["+34600000001"]
    assert again.dials == 2 and again.provider_sid != call.provider_sid
    post(client, f"{BASE}/{call.id}/status", call_params(again, CallStatus="no-answer"))
    with session_scope() as db:
        assert db.get(OutboundCall, call.id).status == CallStatus.unanswered
