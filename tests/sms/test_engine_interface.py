"""What the delivery engine calls: the send-time check, outcomes and provider errors; and the
template editor's preview of how the network counts a text."""

from sqlmodel import select

from app.accounts.models import Role
from app.contacts.models import Suppression, SuppressionReason
from app.database import session_scope
from app.sms import service as sms
from app.sms.models import OutboundSms, SmsStatus
from connectors.base import ErrorKind
from connectors.sms import SmsError
from tests.messaging import NOW, book, engine_send, local, reminders


def fail_with(message_id: int, error: SmsError) -> OutboundSms:
    with session_scope() as db:
        message = db.get(OutboundSms, message_id)
        sms.record_error(db, message, error, local("2026-11-24 10:30"))
    with session_scope() as db:
        return db.get(OutboundSms, message_id)


def test_a_provider_opt_out_fails_the_message_and_suppresses_the_number(messaging):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    first, second = reminders(appointment_id)
    failed = fail_with(first.id, SmsError(ErrorKind.final, "opted out", code="21610", opt_out=True))
    assert failed.status == SmsStatus.failed and failed.error_code == "21610"
    with session_scope() as db:
        suppression = db.exec(select(Suppression)).one()
    assert (suppression.address, suppression.reason) == (
        "+34600111222",
        SuppressionReason.provider_opt_out,
    )
    assert engine_send(second.id, local("2026-11-26 10:30")) is False


def test_a_retryable_error_leaves_the_message_to_the_engine(messaging):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    first = reminders(appointment_id)[0]
    kept = fail_with(first.id, SmsError(ErrorKind.retryable, "rate limited", code="20429"))
    assert kept.status == SmsStatus.pending and kept.error == "rate limited"
    with session_scope() as db:
        assert db.exec(select(Suppression)).all() == []


def test_a_message_not_pending_is_not_wanted(messaging):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    first = reminders(appointment_id)[0]
    assert engine_send(first.id, local("2026-11-24 10:30"))
    with session_scope() as db:
        decision = sms.still_wanted(db, db.get(OutboundSms, first.id), local("2026-11-24 10:31"))
    assert not decision and "delivered" in decision.reason


def test_the_preview_shows_encoding_segments_and_the_gsm7_spelling(messaging, login_as):
    client, _u, csrf = login_as(Role.admin)
    text = "{centro}: su cita es el día {fecha} a las {hora}. Responda SI o CAMBIAR."
    response = client.post(
        "/sms/preview",
        data={"csrf_token": csrf, "field": "template_es", "template_es": text},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'data-encoding="UCS-2"' in response.text and "<code>í</code>" in response.text
    assert "su cita es el dia 24/11/2026" in response.text
    plain = client.post(
        "/sms/preview",
        data={"csrf_token": csrf, "text": "Cita mañana, ¿viene usted?"},
        headers={"HX-Request": "true"},
    )
    assert 'data-encoding="GSM-7"' in plain.text and 'data-segments="1"' in plain.text
    unknown = client.post(
        "/sms/preview",
        data={"csrf_token": csrf, "text": "Hola {paciente}"},
        headers={"HX-Request": "true"},
    )
    assert "unknown placeholder {paciente}" in unknown.text


def test_a_plan_with_an_unknown_placeholder_is_refused(messaging, login_as):
    client, _u, csrf = login_as(Role.admin)
    form = {
        "csrf_token": csrf,
        "name": "Dental",
        "offsets_hours": "48",
        "template_es": "Hola {paciente}",
        "template_en": "Hi {nombre}",
        "active": "on",
    }
    refused = client.post("/reminder-plans", data=form)
    assert refused.status_code == 422 and "paciente" in refused.text
    saved = client.post(
        "/reminder-plans", data=form | {"template_es": "Hola {nombre}, cita el {fecha}"}
    )
    assert saved.status_code == 303
    assert "Dental" in client.get("/reminder-plans").text


HX = {"HX-Request": "true"}


def test_a_test_send_queues_the_rendered_text_to_a_staff_phone(messaging, login_as):
    client, _u, csrf = login_as(Role.admin)
    form = {"csrf_token": csrf, "phone": "600 999 888", "text": "Hola {nombre}, cita el {fecha}"}
    response = client.post("/sms/test-send", data=form, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'data-testid="test-sent"' in response.text
    with session_scope() as db:
        queued = db.exec(select(OutboundSms).where(OutboundSms.kind == "test")).one()
    assert queued.to_phone == "+34600999888" and queued.body == "Hola Carmen, cita el 24/11/2026"
    # A refusal comes back as the fragment the plans page swaps in, saying why.
    bad_phone = client.post("/sms/test-send", data=form | {"phone": "12"}, headers=HX)
    assert bad_phone.status_code == 422 and 'data-testid="test-refused"' in bad_phone.text
    bad_text = client.post("/sms/test-send", data=form | {"text": "Hola {paciente"}, headers=HX)
    assert bad_text.status_code == 422 and "placeholders look like {nombre}" in bad_text.text
    assert "data-swap-refusals" in client.get("/reminder-plans").text
    marketing, _u, csrf2 = login_as(Role.marketing)
    assert marketing.post("/sms/test-send", data=form | {"csrf_token": csrf2}).status_code == 403
