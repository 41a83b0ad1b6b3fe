"""Replies: SÍ confirms, CAMBIAR asks the front desk, BAJA stops every SMS (checked at send time),
ALTA restores care messages, AYUDA helps, and free text reaches the inbox, an emergency answered at once."""

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.appointments.models import Appointment, AppointmentStatus
from app.contacts import service as contacts
from app.contacts.models import ConsentAction, ConsentRecord, Contact, MessageChannel, Purpose
from app.database import session_scope
from app.notifications.models import Notification
from app.sms import replies
from app.sms.models import InboundSms, Intent, OutboundSms, SmsKind, SmsStatus
from tests.messaging import NOW, book, engine_send, local, outbound, reminders

# The fixed dates below are of the tests' calendar week; the real clock is set to it.
pytestmark = pytest.mark.usefixtures("calendar_clock")

PHONE = "+34600111222"
REMINDED = local("2026-11-24 10:30")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("SÍ", Intent.confirm),
        ("si", Intent.confirm),
        (" Sí. ", Intent.confirm),
        ("YES", Intent.confirm),
        ("1", Intent.confirm),
        ("CAMBIAR", Intent.change),
        ("change", Intent.change),
        ("2", Intent.change),
        ("BAJA", Intent.stop),
        ("Stop", Intent.stop),
        ("ALTO", Intent.stop),
        ("¡baja!", Intent.stop),
        ("CANCEL", Intent.stop),
        ("ALTA", Intent.start),
        ("START", Intent.start),
        ("AYUDA", Intent.help),
        ("help", Intent.help),
        ("Sí, pero llegaré tarde", Intent.other),
        ("si no puedo ir", Intent.other),
        ("¿A qué hora era?", Intent.other),
    ],
)
def test_reply_keywords_match_case_and_accent_insensitively(text, intent):
    assert replies.intent_of(text) == intent


def reminded_appointment() -> int:
    """An appointment whose first reminder reached the patient."""
    appointment_id = book("2026-11-27 10:30", now=NOW)
    assert engine_send(reminders(appointment_id)[0].id, REMINDED)
    return appointment_id


def reply(text: str, sid: str, at=None) -> InboundSms | None:
    with session_scope() as db:
        return replies.handle_inbound(
            db,
            provider="phone",
            provider_sid=sid,
            from_phone=PHONE,
            text=text,
            now=(at or local("2026-11-24 11:00")),
        )


def status_of(appointment_id: int) -> AppointmentStatus:
    with session_scope() as db:
        return db.get(Appointment, appointment_id).status


def test_si_confirms_the_appointment_and_says_so(messaging):
    appointment_id = reminded_appointment()
    reply("Sí", "in-1")
    assert status_of(appointment_id) == AppointmentStatus.confirmed
    answer = outbound(SmsKind.confirmation)[-1]
    assert answer.to_phone == PHONE and answer.purpose == Purpose.service
    assert "27/11/2026" in answer.body and "10:30" in answer.body


def test_a_repeated_delivery_of_a_reply_is_handled_once(messaging):
    reminded_appointment()
    assert reply("SI", "in-1") is not None
    assert reply("SI", "in-1") is None
    assert len(outbound(SmsKind.confirmation)) == 1


def test_cambiar_requests_a_new_time_tasks_the_front_desk_and_notifies(messaging, make_user):
    admin = make_user(Role.admin)
    appointment_id = reminded_appointment()
    row = reply("CAMBIAR", "in-2")
    assert status_of(appointment_id) == AppointmentStatus.reschedule_requested
    with session_scope() as db:
        inbox = replies.inbox(db)
        told = db.exec(select(Notification).where(Notification.user_id == admin.id)).all()
    assert [(m.id, m.intent) for m, _c, _a in inbox] == [(row.id, Intent.change)]
    assert len(told) == 1 and "+34" not in told[0].message
    # The other reminder waits until the front desk gives a new time.
    assert reminders(appointment_id)[1].status == SmsStatus.withdrawn


def test_baja_suppresses_the_number_records_consent_and_confirms_once(messaging):
    appointment_id = reminded_appointment()
    reply("BAJA", "in-3")
    reply("baja", "in-4")  # said twice: confirmed once
    with session_scope() as db:
        contact = db.exec(select(Contact).where(Contact.phone == PHONE)).one()
        decision = contacts.may_send(
            db, contact, MessageChannel.sms, Purpose.reminders, local("2026-11-25 10:00")
        )
        records = db.exec(select(ConsentRecord).where(ConsentRecord.contact_id == contact.id)).all()
    assert not decision and "suppressed" in decision.reason
    assert {(r.purpose, r.action, r.keyword) for r in records} >= {
        (Purpose.reminders, ConsentAction.withdrawn, "BAJA")
    }
    assert len(outbound(SmsKind.opt_out)) == 1
    # The next reminder is not sent: checked at send time.
    second = reminders(appointment_id)[1]
    assert engine_send(second.id, local("2026-11-26 10:30")) is False
    assert reminders(appointment_id)[1].status == SmsStatus.skipped


def test_baja_arriving_after_the_claim_still_stops_the_send(messaging):
    appointment_id = reminded_appointment()
    second = reminders(appointment_id)[1]
    with session_scope() as db:
        db.get(OutboundSms, second.id).status = SmsStatus.sending  # claimed by the engine
    reply("STOP", "in-5")
    assert engine_send(second.id, local("2026-11-26 10:30")) is False


def test_the_opt_out_confirmation_itself_goes_out(messaging):
    reminded_appointment()
    reply("BAJA", "in-3")
    confirmation = outbound(SmsKind.opt_out)[0]
    assert engine_send(confirmation.id, local("2026-11-24 11:01"))


def test_provider_already_confirmed_the_stop(messaging):
    reminded_appointment()
    with session_scope() as db:
        replies.handle_inbound(
            db,
            provider="twilio",
            provider_sid="SMx",
            from_phone=PHONE,
            text="STOP",
            now=local("2026-11-24 11:00"),
            provider_answered=True,
        )
    assert outbound(SmsKind.opt_out) == []


def test_alta_restores_care_messages_but_not_marketing(messaging):
    reminded_appointment()
    reply("BAJA", "in-3")
    reply("ALTA", "in-6", at=local("2026-11-24 12:00"))
    with session_scope() as db:
        contact = db.exec(select(Contact).where(Contact.phone == PHONE)).one()
        later = local("2026-11-25 10:00")
        assert contacts.may_send(db, contact, MessageChannel.sms, Purpose.reminders, later)
        assert not contacts.may_send(db, contact, MessageChannel.sms, Purpose.campaigns, later)
    assert len(outbound(SmsKind.opt_in)) == 1


def test_ayuda_gets_the_help_text_without_cancelar(messaging):
    reminded_appointment()
    reply("AYUDA", "in-7")
    body = outbound(SmsKind.help)[0].body
    assert "SI" in body and "CAMBIAR" in body and "BAJA" in body and "112" in body
    assert "CANCEL" not in body.upper()


def test_an_emergency_is_answered_at_once_and_clinicians_told(messaging, make_user):
    clinician = make_user(Role.clinician, verified=True)
    reminded_appointment()
    row = reply("Mi padre tiene dolor de pecho y no puede respirar", "in-8")
    assert row.needs_staff and row.intent == Intent.other
    emergency = outbound(SmsKind.emergency)
    assert len(emergency) == 1 and "112" in emergency[0].body and emergency[0].to_phone == PHONE
    with session_scope() as db:
        told = db.exec(select(Notification).where(Notification.user_id == clinician.id)).all()
    assert any(n.kind == "emergency" for n in told)


def test_free_text_goes_to_the_inbox_without_an_automatic_answer(messaging):
    reminded_appointment()
    reply("¿Tengo que ir en ayunas?", "in-9")
    with session_scope() as db:
        assert [m.intent for m, _c, _a in replies.inbox(db)] == [Intent.other]
    assert outbound(SmsKind.emergency) == []


def test_an_unknown_number_saying_yes_reaches_the_inbox(messaging):
    with session_scope() as db:
        row = replies.handle_inbound(
            db, provider="phone", provider_sid="u1", from_phone="+34699999999", text="SI", now=NOW
        )
        assert row.needs_staff and row.contact_id is None


def test_inbox_page_is_for_care_staff(messaging, login_as):
    reminded_appointment()
    reply("CAMBIAR", "in-2")
    clinician, _u, _c = login_as(Role.clinician, verified=True)
    page = clinician.get("/sms/inbox")
    assert page.status_code == 200 and 'data-intent="change"' in page.text
    marketing, _u, _c = login_as(Role.marketing)
    assert marketing.get("/sms/inbox").status_code == 403


def test_the_local_phone_shows_the_reminder_and_takes_the_reply(messaging, login_as):
    appointment_id = reminded_appointment()
    client, _u, csrf = login_as(Role.admin)
    listing = client.get("/phone")
    assert PHONE in listing.text
    from app.sms.models import PhoneMessage

    with session_scope() as db:
        message_id = db.exec(select(PhoneMessage.id)).first()
    page = client.get(f"/phone/{message_id}")
    assert "27/11/2026" in page.text
    answered = client.post(f"/phone/{message_id}/reply", data={"csrf_token": csrf, "text": "SÍ"})
    assert answered.status_code == 303
    assert status_of(appointment_id) == AppointmentStatus.confirmed


def test_a_flagged_sms_opens_in_the_review_queue_for_clinicians(messaging, login_as):
    from app.review.models import Reviewable

    reminded_appointment()
    reply("Mi padre tiene dolor de pecho y no puede respirar", "in-10")
    with session_scope() as db:
        item = db.exec(select(Reviewable).where(Reviewable.kind == replies.KIND)).one()
    client, _u, _c = login_as(Role.clinician, verified=True)
    page = client.get(f"/review/{item.id}")
    assert page.status_code == 200 and "dolor de pecho" in page.text
