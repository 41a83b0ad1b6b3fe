"""Running late or moved room: one SMS now to each patient of the clinician still to come today."""

from datetime import timedelta

from sqlmodel import select

from app.accounts.models import Role
from app.appointments import notices
from app.appointments import routes as appointment_routes
from app.appointments import service as appointments
from app.appointments.models import Appointment, AppointmentStatus
from app.audit.models import AuditEvent
from app.database import session_scope
from app.sms.models import OutboundSms, SmsKind, SmsStatus
from tests.messaging import book, engine_send, local

NOW = local("2026-11-26 11:00")


def today_at_the_practice() -> dict[str, int]:
    """Dra. Ruiz's day: two patients still to come (one English), one seen, one cancelled; another
    clinician's patient; and Dra. Ruiz's patient tomorrow."""
    earlier = NOW - timedelta(days=3)
    ids = {
        "lucia": book("2026-11-26 12:00", now=earlier, external_id="A-1"),
        "ann": book(
            "2026-11-26 17:30",
            now=earlier,
            external_id="A-2",
            name="Ann Smith",
            phone="600 111 333",
            language="en",
        ),
        "seen": book("2026-11-26 10:30", now=earlier, external_id="A-3", phone="600 111 444"),
        "cancelled": book(
            "2026-11-26 13:00",
            now=earlier,
            external_id="A-4",
            phone="600 111 555",
            status="cancelled",
        ),
        "tomorrow": book("2026-11-27 09:00", now=earlier, external_id="A-5", phone="600 111 666"),
    }
    with session_scope() as db:
        other = db.get(Appointment, book("2026-11-26 12:30", now=earlier, external_id="A-6"))
        other.clinician = "Dr. Vidal"
    return ids


def notices_sent() -> list[OutboundSms]:
    with session_scope() as db:
        query = select(OutboundSms).where(OutboundSms.kind == SmsKind.notice)
        return list(db.exec(query.order_by(OutboundSms.id)))


def test_running_late_reaches_only_the_patients_still_to_come_in_their_language(
    messaging, make_user
):
    ids = today_at_the_practice()
    with session_scope() as db:
        assert notices.clinicians_today(db, NOW) == ["Dr. Vidal", "Dra. Ruiz"]
        count = notices.send(
            db,
            clinician="Dra. Ruiz",
            notice=notices.Notice.late,
            minutes=25,
            room="",
            actor=make_user(Role.admin),
            now=NOW,
        )
    sent = notices_sent()
    assert count == 2 and [m.appointment_id for m in sent] == [ids["lucia"], ids["ann"]]
    assert sent[0].body == (
        "Centro Norte: Dra. Ruiz lleva unos 25 minutos de retraso hoy. Su cita de las 12:00 "
        "empezará más tarde. Disculpe la espera."
    )
    assert sent[1].body == (
        "Centro Norte: Dra. Ruiz is running about 25 minutes late today. Your appointment at "
        "17:30 will start later. We are sorry for the wait."
    )
    assert all(m.due_at == NOW and m.purpose == "reminders" for m in sent)
    # Not held to the reminder plan: the planned reminders of those appointments stay as they were.
    assert {m.status for m in sent} == {SmsStatus.pending}


def test_a_notice_for_an_appointment_cancelled_before_it_goes_is_not_sent(messaging, make_user):
    ids = today_at_the_practice()
    with session_scope() as db:
        notices.send(
            db,
            clinician="Dra. Ruiz",
            notice=notices.Notice.room,
            minutes=0,
            room="Sala  3",
            actor=make_user(Role.admin),
            now=NOW,
        )
        appointments.set_status(
            db=db,
            appointment=db.get(Appointment, ids["lucia"]),
            status=AppointmentStatus.cancelled,
            actor=None,
            now=NOW,
        )
    lucia, ann = notices_sent()
    assert (
        ann.body
        == "Centro Norte: your appointment at 17:30 today with Dra. Ruiz will be in Sala 3."
    )
    assert engine_send(lucia.id, NOW + timedelta(minutes=1)) is False
    assert engine_send(ann.id, NOW + timedelta(minutes=1)) is True


def test_the_appointments_page_sends_the_notice_in_one_action_and_audits_it(
    messaging, login_as, monkeypatch
):
    today_at_the_practice()
    monkeypatch.setattr(appointment_routes, "utcnow", lambda: NOW)
    clinician, _doctor, csrf = login_as(Role.clinician, verified=True)
    page = clinician.get("/appointments").text
    assert 'action="/appointments-notice"' in page and "<option>Dra. Ruiz</option>" in page
    form = {"csrf_token": csrf, "clinician": "Dra. Ruiz", "notice": "late", "minutes": "20"}
    assert clinician.post("/appointments-notice", data=form).status_code == 303
    assert len(notices_sent()) == 2
    assert clinician.post("/appointments-notice", data=form | {"minutes": "0"}).status_code == 422
    room = form | {"notice": "room", "room": ""}
    assert clinician.post("/appointments-notice", data=room).status_code == 422
    nobody = form | {"clinician": "Dr. Nadie"}
    refused = clinician.post("/appointments-notice", data=nobody)
    assert refused.status_code == 422 and "no patients still to come today" in refused.text
    with session_scope() as db:
        audited = db.exec(
            select(AuditEvent).where(AuditEvent.action == "appointments.notice")
        ).one()
    assert audited.object_id == "Dra. Ruiz" and "600" not in str(audited.detail)
    marketing, _m, mcsrf = login_as(Role.marketing)
    assert (
        marketing.post("/appointments-notice", data=form | {"csrf_token": mcsrf}).status_code == 403
    )
    assert len(notices_sent()) == 2
