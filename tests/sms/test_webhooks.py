"""Provider webhooks: Twilio's signed with the SDK's own RequestValidator, Kannel's with an HMAC;
anything else gets 403. Repeated and out-of-order delivery reports change nothing."""

from urllib.parse import urlencode

import pytest
from sqlmodel import select
from twilio.request_validator import RequestValidator

from app.appointments.models import Appointment, AppointmentStatus
from app.database import session_scope
from app.sms import service as sms
from app.sms.models import InboundSms, OutboundSms, SmsStatus
from connectors import kannel
from connectors.sms import SentSms
from tests.messaging import (
    KANNEL_SECRET,
    NOW,
    PUBLIC_URL,
    TWILIO_TOKEN,
    book,
    engine_send,
    local,
    reminders,
)

# The fixed dates below are of the tests' calendar week; the real clock is set to it.
pytestmark = pytest.mark.usefixtures("calendar_clock")

PHONE = "+34600111222"


def signed(path: str, params: dict[str, str], token: str = TWILIO_TOKEN) -> dict[str, str]:
    signature = RequestValidator(token).compute_signature(PUBLIC_URL + path, params)
    return {"X-Twilio-Signature": signature}


def post_twilio(client, path: str, params: dict[str, str], headers: dict[str, str] | None = None):
    return client.post(
        path, data=params, headers=headers if headers is not None else signed(path, params)
    )


def inbound(body: str, sid: str = "SM" + "a" * 32) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": PHONE,
        "To": "+34911000000",
        "Body": body,
    }


def sent_by_twilio(message_id: int, sid: str) -> None:
    with session_scope() as db:
        sms.record_sent(db, db.get(OutboundSms, message_id), SentSms(sid, "queued"), "twilio", NOW)


def message(message_id: int) -> OutboundSms:
    with session_scope() as db:
        return db.get(OutboundSms, message_id)


def test_signed_inbound_reply_confirms_the_appointment(messaging, client):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    first = reminders(appointment_id)[0]
    sent_by_twilio(first.id, "SM" + "1" * 32)
    response = post_twilio(client, "/webhooks/twilio/sms", inbound("Sí"))
    assert response.status_code == 200 and "<Response>" in response.text
    with session_scope() as db:
        assert db.get(Appointment, appointment_id).status == AppointmentStatus.confirmed


def test_a_tampered_or_unsigned_inbound_request_is_refused(messaging, client):
    params = inbound("SI")
    headers = signed("/webhooks/twilio/sms", params)
    tampered = post_twilio(client, "/webhooks/twilio/sms", params | {"Body": "BAJA"}, headers)
    unsigned = post_twilio(client, "/webhooks/twilio/sms", params, {})
    wrong_key = post_twilio(
        client,
        "/webhooks/twilio/sms",
        params,
        signed("/webhooks/twilio/sms", params, "other-token"),
    )
    assert (tampered.status_code, unsigned.status_code, wrong_key.status_code) == (403, 403, 403)
    with session_scope() as db:
        assert db.exec(select(InboundSms)).all() == []


def test_the_signature_is_checked_against_the_public_url_not_the_proxys(messaging, client):
    params = inbound("SI")
    internal = RequestValidator(TWILIO_TOKEN).compute_signature(
        "http://testserver/webhooks/twilio/sms", params
    )
    response = post_twilio(client, "/webhooks/twilio/sms", params, {"X-Twilio-Signature": internal})
    assert response.status_code == 403


def test_the_same_inbound_message_posted_twice_is_handled_once(messaging, client):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    sent_by_twilio(reminders(appointment_id)[0].id, "SM" + "1" * 32)
    for _ in range(2):
        assert post_twilio(client, "/webhooks/twilio/sms", inbound("SI")).status_code == 200
    with session_scope() as db:
        assert len(db.exec(select(InboundSms)).all()) == 1
        answers = db.exec(select(OutboundSms).where(OutboundSms.kind == "confirmation")).all()
    assert len(answers) == 1


def status_params(sid: str, status: str, error: str | None = None) -> dict[str, str]:
    params = {
        "MessageSid": sid,
        "MessageStatus": status,
        "AccountSid": "AC" + "0" * 32,
        "To": PHONE,
    }
    return params | ({"ErrorCode": error} if error else {})


def test_status_callbacks_only_move_forward(messaging, client):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    first = reminders(appointment_id)[0]
    sid = "SM" + "2" * 32
    sent_by_twilio(first.id, sid)
    for status in ("sent", "delivered"):
        assert (
            post_twilio(client, "/webhooks/twilio/status", status_params(sid, status)).status_code
            == 204
        )
    assert (message(first.id).status, message(first.id).provider_status) == (
        SmsStatus.delivered,
        "delivered",
    )
    before = message(first.id)
    # A repeated report, then one from earlier arriving late: nothing changes.
    for status in ("delivered", "sent", "queued", "failed"):
        assert (
            post_twilio(client, "/webhooks/twilio/status", status_params(sid, status)).status_code
            == 204
        )
    after = message(first.id)
    assert (after.status, after.provider_status, after.status_at) == (
        before.status,
        before.provider_status,
        before.status_at,
    )


def test_a_tampered_status_callback_is_refused(messaging, client):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    first = reminders(appointment_id)[0]
    sid = "SM" + "3" * 32
    sent_by_twilio(first.id, sid)
    params = status_params(sid, "sent")
    headers = signed("/webhooks/twilio/status", params)
    response = post_twilio(
        client, "/webhooks/twilio/status", status_params(sid, "undelivered"), headers
    )
    assert response.status_code == 403
    assert message(first.id).provider_status == "queued"


def test_an_undeliverable_number_is_suppressed(messaging, client):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    first, second = reminders(appointment_id)
    sid = "SM" + "4" * 32
    sent_by_twilio(first.id, sid)
    post_twilio(client, "/webhooks/twilio/status", status_params(sid, "undelivered", "30005"))
    assert message(first.id).status == SmsStatus.undelivered
    assert engine_send(second.id, local("2026-11-26 10:30")) is False


def kannel_dlr_url(reference: str, dlr_type: int, secret: str = KANNEL_SECRET) -> str:
    return "/webhooks/kannel/dlr?" + urlencode(
        {"ref": reference, "sig": kannel.sign(secret, reference), "type": dlr_type}
    )


def test_kannel_delivery_reports_are_verified_and_move_forward(messaging, client):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    first = reminders(appointment_id)[0]
    with session_scope() as db:
        sms.record_sent(
            db,
            db.get(OutboundSms, first.id),
            SentSms(f"kannel-{first.id}", "queued"),
            "kannel",
            NOW,
        )
    assert client.get(kannel_dlr_url(str(first.id), 8)).status_code == 200
    assert client.get(kannel_dlr_url(str(first.id), 1)).status_code == 200
    assert client.get(kannel_dlr_url(str(first.id), 8)).status_code == 200  # late ack
    assert message(first.id).status == SmsStatus.delivered
    forged = client.get(kannel_dlr_url(str(first.id), 2, secret="guess"))
    assert forged.status_code == 403


def test_kannel_inbound_needs_the_shared_secret(messaging, client):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    assert engine_send(reminders(appointment_id)[0].id, local("2026-11-24 10:30"))
    query = {"id": "k-1", "from": PHONE, "text": "SI"}
    forged = client.get("/webhooks/kannel/sms?" + urlencode(query | {"sig": "0" * 64}))
    assert forged.status_code == 403
    good = client.get(
        "/webhooks/kannel/sms?" + urlencode(query | {"sig": kannel.sign(KANNEL_SECRET, "inbound")})
    )
    assert good.status_code == 200
    with session_scope() as db:
        assert db.get(Appointment, appointment_id).status == AppointmentStatus.confirmed


def test_without_a_configured_token_every_twilio_request_is_refused(client):
    params = inbound("SI")
    assert post_twilio(client, "/webhooks/twilio/sms", params).status_code == 403


def test_a_report_that_beats_the_send_answer_is_kept_and_not_undone(messaging, client):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    first = reminders(appointment_id)[0]
    sid = "SM" + "5" * 32
    path = f"/webhooks/twilio/status?ref={first.id}"
    params = status_params(sid, "delivered")
    assert post_twilio(client, path, params).status_code == 204
    assert (message(first.id).provider_sid, message(first.id).status) == (sid, SmsStatus.delivered)
    sent_by_twilio(first.id, sid)  # the engine writes Twilio's earlier answer ("queued") afterwards
    assert (message(first.id).provider_status, message(first.id).status) == (
        "delivered",
        SmsStatus.delivered,
    )
    # The reference is part of the signed URL: another message's id cannot be slipped in.
    forged = post_twilio(client, "/webhooks/twilio/status?ref=1", params, signed(path, params))
    assert forged.status_code == 403


def test_twilio_advanced_opt_out_is_recorded_without_a_second_answer(messaging, client):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    sent_by_twilio(reminders(appointment_id)[0].id, "SM" + "1" * 32)
    stop = inbound("STOP", sid="SM" + "b" * 32) | {"OptOutType": "STOP"}
    assert post_twilio(client, "/webhooks/twilio/sms", stop).status_code == 200
    with session_scope() as db:
        kinds = [m.kind for m in db.exec(select(OutboundSms)) if m.kind != "reminder"]
        second = db.get(OutboundSms, reminders(appointment_id)[1].id)
        assert not sms.still_wanted(db, second, local("2026-11-26 10:30"))
    assert kinds == []
