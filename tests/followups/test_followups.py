"""Follow-up sequences: approved by a clinician, scheduled in practice time within sending hours,
checked for health data when saved, and stopped at once by staff or by the patient's BAJA."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.appointments.models import Appointment
from app.audit.models import AuditEvent
from app.contacts import service as contacts
from app.database import session_scope
from app.followups import service as followups
from app.followups.models import EnrolmentStatus, FollowUpEnrolment, FollowUpSequence
from app.followups.schemas import SequenceIn
from app.sms import replies
from app.sms.models import OutboundSms, SmsKind, SmsStatus
from tests.messaging import MADRID, book, engine_send, local

# The fixed dates below are of the tests' calendar week; the real clock is set to it.
pytestmark = pytest.mark.usefixtures("calendar_clock")

NOW = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # a Friday
POST_OP = {
    "name": "Post-operative",
    "send_hour": "10",
    "day": ["1", "3", "7", ""],
    "es": [
        "{nombre}, hoy descanse y mantenga el apósito seco. Dudas: llame a {centro}.",
        "{nombre}, ya puede ducharse. Si la herida enrojece, llámenos.",
        "{nombre}, recuerde la revisión con {profesional}.",
        "",
    ],
    "en": ["{nombre}, rest today and keep the dressing dry.", "", "", ""],
}


def approved_sequence(admin, clinician) -> int:
    """A post-operative sequence written by the front desk and approved by a clinician."""
    with session_scope() as db:
        data = SequenceIn(
            name="Post-op",
            steps=[
                {"day": 1, "es": "{nombre}, descanse hoy.", "en": "{nombre}, rest today."},
                {"day": 3, "es": "{nombre}, ya puede ducharse.", "en": "{nombre}, you may shower."},
                {"day": 7, "es": "Revisión con {profesional}.", "en": ""},
            ],
        )
        sequence = followups.save(db=db, data=data, actor=admin, now=NOW)
        followups.approve(db=db, sequence=sequence, actor=clinician, now=NOW)
        return sequence.id


def enrol(sequence_id: int, appointment_id: int, actor, now=NOW) -> int:
    with session_scope() as db:
        appointment = db.get(Appointment, appointment_id)
        enrolment = followups.enrol(
            db=db,
            sequence=db.get(FollowUpSequence, sequence_id),
            contact=contacts.get(db=db, contact_id=appointment.contact_id),
            event_at=appointment.starts_at,
            actor=actor,
            now=now,
            appointment=appointment,
        )
        return enrolment.id


def steps_of(enrolment_id: int) -> list[OutboundSms]:
    with session_scope() as db:
        rows = followups.enrolments(db)
    return next(messages for e, _s, _c, messages in rows if e.id == enrolment_id)


def test_a_sequence_is_a_draft_until_a_clinician_approves_it_and_an_edit_makes_it_one_again(
    messaging, login_as
):
    desk, _admin, csrf = login_as(Role.admin)
    saved = desk.post("/followups", data=POST_OP | {"csrf_token": csrf})
    assert saved.status_code == 303
    url = saved.headers["location"]
    page = desk.get(url).text
    assert 'data-testid="sequence-status">draft' in page and "Approve these texts" not in page
    assert desk.post(f"{url}/approve", data={"csrf_token": csrf}).status_code == 403
    appointment = book("2026-12-01 10:00", now=NOW)
    form = {"csrf_token": csrf, "sequence_id": url.rsplit("/", 1)[1], "appointment_id": appointment}
    assert desk.post("/followup-enrolments", data=form).status_code == 409

    clinician, doctor, ccsrf = login_as(Role.clinician, verified=True)
    assert clinician.post(f"{url}/approve", data={"csrf_token": ccsrf}).status_code == 303
    assert 'data-testid="sequence-status">approved' in clinician.get(url).text
    assert desk.post("/followup-enrolments", data=form).status_code == 303

    edited = POST_OP | {"csrf_token": csrf, "es": ["Descanse.", "Dúchese.", "Revisión.", ""]}
    assert desk.post(url, data=edited).status_code == 303
    assert 'data-testid="sequence-status">draft' in desk.get(url).text
    assert desk.post("/followup-enrolments", data=form).status_code == 409
    with session_scope() as db:
        actions = {e.action for e in db.exec(select(AuditEvent))}
    assert {"followup.save", "followup.approve", "followup.enrol"} <= actions
    marketing, _m, mcsrf = login_as(Role.marketing)
    assert marketing.get(url).status_code == 403
    assert marketing.post("/followups", data=POST_OP | {"csrf_token": mcsrf}).status_code == 403


def test_a_step_that_reads_as_health_data_is_refused_with_a_message_saying_which(
    messaging, login_as
):
    desk, _admin, csrf = login_as(Role.admin)
    leaky = POST_OP | {
        "csrf_token": csrf,
        "es": [
            "Descanse hoy.",
            "María López García, DNI 12345678Z: su biopsia confirma el tumor.",
            "Revisión.",
            "",
        ],
    }
    refused = desk.post("/followups", data=leaky)
    assert refused.status_code == 422
    assert "step 2 (es) reads as health data" in refused.text
    desk.post("/language", data={"lang": "es", "csrf_token": csrf})
    refused_es = desk.post("/followups", data=leaky)
    assert refused_es.status_code == 422 and "paso 2 (es)" in refused_es.text
    unknown = POST_OP | {"csrf_token": csrf, "es": ["Hola {paciente}", "", "", ""]}
    assert desk.post("/followups", data=unknown).status_code == 422
    with session_scope() as db:
        assert db.exec(select(FollowUpSequence)).first() is None


def test_enrolling_schedules_each_step_in_the_patients_language_within_sending_hours(
    messaging, make_user
):
    admin, doctor = make_user(Role.admin), make_user(Role.clinician, verified=True)
    sequence_id = approved_sequence(admin, doctor)
    # Surgery on Saturday 28 November: day 1 is a Sunday, when no SMS go out.
    appointment = book("2026-11-28 09:30", now=NOW, name="Ann Smith", language="en")
    steps = steps_of(enrol(sequence_id, appointment, admin))
    assert [m.due_at.astimezone(MADRID) for m in steps] == [
        local("2026-11-30 09:00"),  # Sunday's step on Monday, when the sending hours open
        local("2026-12-01 10:00"),
        local("2026-12-05 10:00"),
    ]
    assert [m.body for m in steps] == [
        "Ann, rest today.",
        "Ann, you may shower.",
        "Revisión con Dra. Ruiz.",  # no English text: the Spanish one
    ]
    assert {(m.kind, m.purpose, m.status) for m in steps} == {
        (SmsKind.follow_up, "reminders", SmsStatus.pending)
    }


def test_ending_an_enrolment_withdraws_what_is_pending_and_the_engine_refuses_a_claimed_step(
    messaging, login_as
):
    desk, admin, csrf = login_as(Role.admin)
    _c, doctor, _t = login_as(Role.clinician, verified=True)
    sequence_id = approved_sequence(admin, doctor)
    enrolment_id = enrol(sequence_id, book("2026-11-28 09:30", now=NOW), admin)
    first, *rest = steps_of(enrolment_id)
    with session_scope() as db:
        db.get(OutboundSms, first.id).status = SmsStatus.sending  # the engine holds it
    ended = desk.post(f"/followup-enrolments/{enrolment_id}/end", data={"csrf_token": csrf})
    assert ended.status_code == 303
    assert {m.status for m in steps_of(enrolment_id)[1:]} == {SmsStatus.withdrawn}
    assert engine_send(first.id, now=local("2026-11-30 09:00")) is False
    assert steps_of(enrolment_id)[0].status == SmsStatus.skipped
    with session_scope() as db:
        enrolment = db.get(FollowUpEnrolment, enrolment_id)
        assert enrolment.status == EnrolmentStatus.ended and enrolment.ended_by == admin.id


def test_baja_ends_every_follow_up_of_the_number_and_alta_does_not_restart_it(messaging, make_user):
    admin, doctor = make_user(Role.admin), make_user(Role.clinician, verified=True)
    sequence_id = approved_sequence(admin, doctor)
    enrolment_id = enrol(sequence_id, book("2026-11-28 09:30", now=NOW), admin)
    for sid, word in (("in-1", "BAJA"), ("in-2", "ALTA")):
        with session_scope() as db:
            replies.handle_inbound(
                db,
                provider="phone",
                provider_sid=sid,
                from_phone="+34600111222",
                text=word,
                now=NOW,
            )
    assert {m.status for m in steps_of(enrolment_id)} == {SmsStatus.withdrawn}
    with session_scope() as db:
        assert db.get(FollowUpEnrolment, enrolment_id).status == EnrolmentStatus.ended


def test_staff_enrol_from_the_contact_page_on_the_date_of_the_procedure(messaging, login_as):
    desk, admin, csrf = login_as(Role.admin)
    _c, doctor, _t = login_as(Role.clinician, verified=True)
    sequence_id = approved_sequence(admin, doctor)
    book("2026-11-28 09:30", now=NOW)
    with session_scope() as db:
        contact = contacts.by_phone(db=db, phone="+34600111222")[0]
    page = desk.get(f"/contacts/{contact.id}").text
    assert 'name="event_date"' in page and "Post-op" in page
    form = {"csrf_token": csrf, "sequence_id": sequence_id, "contact_id": contact.id}
    assert desk.post("/followup-enrolments", data=form | {"event_date": "ayer"}).status_code == 422
    enrolled = desk.post("/followup-enrolments", data=form | {"event_date": "2099-03-02"})
    assert enrolled.status_code == 303 and enrolled.headers["location"].endswith("#followups")
    page = desk.get(f"/contacts/{contact.id}").text
    assert page.count('data-testid="enrolment" data-status="active"') == 1
    with session_scope() as db:
        enrolment = db.exec(select(FollowUpEnrolment)).one()
    assert enrolment.event_at.astimezone(MADRID).date().isoformat() == "2099-03-02"


def test_the_live_preview_measures_the_step_being_edited(messaging, login_as):
    desk, _admin, csrf = login_as(Role.admin)
    form = {
        "csrf_token": csrf,
        "field": "es",
        "index": "1",
        "es": ["Descanse hoy.", "Dúchese mañana."],
    }
    preview = desk.post("/sms/preview", data=form, headers={"HX-Request": "true"})
    assert preview.status_code == 200 and 'data-encoding="UCS-2"' in preview.text
    first = desk.post("/sms/preview", data=form | {"index": "0"}, headers={"HX-Request": "true"})
    assert 'data-encoding="GSM-7"' in first.text
    assert 'hx-vals=\'{"field": "es", "index": 2}\'' in desk.get("/followups").text
