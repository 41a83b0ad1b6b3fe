"""Appointments plan their reminders; a cancelled or moved appointment changes them at once."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.appointments import service as appointments
from app.appointments.models import Appointment, AppointmentStatus
from app.database import session_scope
from app.sms.models import OutboundSms, SmsStatus
from tests.messaging import NOW, book, engine_send, local, reminders

# The fixed dates below are of the tests' calendar week; the real clock is set to it.
pytestmark = pytest.mark.usefixtures("calendar_clock")


def test_a_booking_plans_72h_and_24h_reminders_in_the_patients_language(messaging):
    appointment_id = book("2026-11-27 10:30", now=NOW)  # a Friday
    planned = reminders(appointment_id)
    assert [(r.offset_hours, r.status) for r in planned] == [
        (72, SmsStatus.pending),
        (24, SmsStatus.pending),
    ]
    assert planned[0].due_at == local("2026-11-24 10:30").astimezone(UTC)
    assert planned[1].due_at == local("2026-11-26 10:30").astimezone(UTC)
    assert planned[1].to_phone == "+34600111222"
    assert (
        "27/11/2026" in planned[1].body
        and "10:30" in planned[1].body
        and "Dra. Ruiz" in planned[1].body
    )
    assert (
        "Centro Norte" in planned[1].body
        and "SI" in planned[1].body
        and "CAMBIAR" in planned[1].body
    )


def test_an_english_speaker_gets_the_english_text(messaging):
    appointment_id = book(
        "2026-11-27 10:30", now=NOW, name="John Smith", phone="+44 7911 123456", language="en"
    )
    body = reminders(appointment_id)[0].body
    assert body.startswith("Centro Norte: a reminder of your appointment on 27/11/2026 at 10:30")
    assert "YES" in body and "STOP" in body


def test_no_reminder_text_suggests_cancelar(messaging):
    book("2026-11-27 10:30", now=NOW)
    book(
        "2026-11-27 11:30",
        now=NOW,
        external_id="A-2",
        name="John Smith",
        phone="+44 7911 123456",
        language="en",
    )
    with session_scope() as db:
        bodies = [m.body.upper() for m in db.exec(select(OutboundSms))]
    assert bodies and not any("CANCEL" in b for b in bodies)


def test_cancelling_withdraws_pending_reminders_at_once(messaging):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    book("2026-11-27 10:30", now=NOW, status="cancelled")
    assert {r.status for r in reminders(appointment_id)} == {SmsStatus.withdrawn}


def test_a_reminder_claimed_before_the_cancellation_is_not_sent(messaging):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    first = reminders(appointment_id)[0]
    with session_scope() as db:
        db.get(OutboundSms, first.id).status = SmsStatus.sending  # the engine claimed it
    with session_scope() as db:
        appointment = db.get(Appointment, appointment_id)
        appointments.set_status(
            db=db, appointment=appointment, status=AppointmentStatus.cancelled, actor=None, now=NOW
        )
    assert engine_send(first.id, local("2026-11-24 10:30")) is False
    assert reminders(appointment_id)[0].status == SmsStatus.skipped


def test_moving_an_appointment_moves_its_pending_reminders(messaging):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    moved = book("2026-12-03 17:00", now=NOW)  # same external id: the same booking, moved
    assert moved == appointment_id
    planned = reminders(appointment_id)
    assert [r.due_at for r in planned] == [
        local("2026-11-30 17:00").astimezone(UTC),
        local("2026-12-02 17:00").astimezone(UTC),
    ]
    assert "03/12/2026" in planned[1].body and "17:00" in planned[1].body


def test_a_sent_reminder_is_left_alone_when_the_appointment_moves(messaging):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    first = reminders(appointment_id)[0]
    assert engine_send(first.id, local("2026-11-24 10:30"))
    book("2026-11-27 12:00", now=local("2026-11-24 11:00").astimezone(UTC))
    after = {r.offset_hours: r for r in reminders(appointment_id)}
    assert after[72].status == SmsStatus.delivered and "10:30" in after[72].body
    assert after[24].status == SmsStatus.pending and "12:00" in after[24].body


def test_a_late_booking_gets_one_reminder_not_two_at_once(messaging):
    now = local("2026-11-24 18:00").astimezone(UTC)
    appointment_id = book("2026-11-25 12:00", now=now)
    planned = reminders(appointment_id)
    assert [(r.offset_hours, r.due_at) for r in planned] == [(24, now)]


def test_fhir_appointment_is_parsed_and_its_status_mapped(messaging, login_as):
    client, _user, csrf = login_as(Role.admin)
    resource = {
        "resourceType": "Appointment",
        "id": "fhir-77",
        "status": "booked",
        "start": "2026-11-27T10:30:00+01:00",
        "contained": [
            {
                "resourceType": "Patient",
                "id": "p1",
                "name": [{"given": ["Ana"], "family": "Ruiz"}],
                "telecom": [{"system": "phone", "value": "600 222 333", "use": "mobile"}],
            }
        ],
        "participant": [
            {"actor": {"reference": "#p1"}, "status": "accepted"},
            {"actor": {"reference": "Practitioner/9", "display": "Dr. Gil"}, "status": "accepted"},
        ],
    }
    headers = {"X-CSRF-Token": csrf}
    created = client.post("/api/fhir/Appointment", json=resource, headers=headers)
    assert created.status_code == 200, created.text
    body = created.json()
    assert (
        body["status"] == "booked" and body["clinician"] == "Dr. Gil" and body["source"] == "fhir"
    )
    cancelled = client.post(
        "/api/fhir/Appointment", json=resource | {"status": "cancelled"}, headers=headers
    )
    assert cancelled.json()["id"] == body["id"] and cancelled.json()["status"] == "cancelled"
    assert {r.status for r in reminders(body["id"])} == {SmsStatus.withdrawn}
    noshow = client.post(
        "/api/fhir/Appointment", json=resource | {"status": "noshow"}, headers=headers
    )
    assert noshow.json()["status"] == "no_show"


def test_fhir_appointment_without_a_patient_phone_is_a_clear_422(messaging, login_as):
    client, _user, csrf = login_as(Role.admin)
    resource = {
        "resourceType": "Appointment",
        "id": "x",
        "status": "booked",
        "start": "2026-11-27T10:30:00+01:00",
        "participant": [{"actor": {"reference": "Patient/1"}, "status": "accepted"}],
    }
    response = client.post("/api/fhir/Appointment", json=resource, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 422 and "Patient" in response.json()["detail"]
    bad = client.post(
        "/api/fhir/Appointment",
        json={"resourceType": "Appointment", "status": "sideways"},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status_code == 422


def test_api_appointment_is_for_care_staff_only(messaging, login_as):
    payload = {
        "external_id": "Z-1",
        "starts_at": "2026-11-27T10:30:00",
        "name": "Ana",
        "phone": "600 333 444",
    }
    marketing, _u, csrf = login_as(Role.marketing)
    assert (
        marketing.post(
            "/api/appointments", json=payload, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 403
    )
    clinician, _u, csrf = login_as(Role.clinician, verified=True)
    response = clinician.post("/api/appointments", json=payload, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    # A time without a zone is the practice's: 10:30 in Madrid.
    assert datetime.fromisoformat(response.json()["starts_at"]).astimezone(UTC) == local(
        "2026-11-27 10:30"
    ).astimezone(UTC)


CSV_OK = """external_id,name,phone,date,time,clinician,place
C-1,Lucía Gómez,600 111 222,2026-12-01,10:00,Dra. Ruiz,Centro Norte
C-2,John Smith,+44 7911 123456,02/12/2026,11:30,Dr. Gil,Centro Sur
"""
CSV_BAD = """external_id,name,phone,date,time
C-1,Lucía Gómez,600 111 222,2026-12-01,10:00
C-2,Pedro,12,2026-12-01,10:00
C-3,Marta,600 444 555,mañana,10:00
"""


def test_csv_import_is_all_or_nothing_with_every_problem_reported(messaging, login_as):
    client, _user, csrf = login_as(Role.admin)
    bad = client.post(
        "/appointments-import",
        data={"csrf_token": csrf},
        files={"file": ("a.csv", CSV_BAD.encode(), "text/csv")},
    )
    assert bad.status_code == 422
    assert "row 3: phone" in bad.text and "row 4: date and time" in bad.text
    with session_scope() as db:
        assert db.exec(select(Appointment)).all() == []
    good = client.post(
        "/appointments-import",
        data={"csrf_token": csrf},
        files={"file": ("a.csv", CSV_OK.encode(), "text/csv")},
    )
    assert good.status_code == 200
    again = client.post(
        "/appointments-import",
        data={"csrf_token": csrf},
        files={"file": ("a.csv", CSV_OK.encode(), "text/csv")},
    )
    assert again.status_code == 200
    with session_scope() as db:
        assert len(db.exec(select(Appointment)).all()) == 2  # upsert on (source, external_id)
    page = client.get("/appointments")
    assert "Lucía Gómez" in page.text


def test_a_new_time_settles_a_change_request_and_plans_reminders_again(messaging):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    with session_scope() as db:
        appointment = db.get(Appointment, appointment_id)
        appointments.set_status(
            db=db,
            appointment=appointment,
            status=AppointmentStatus.reschedule_requested,
            actor=None,
            now=NOW,
        )
    assert {r.status for r in reminders(appointment_id)} == {SmsStatus.withdrawn}
    book("2026-11-27 10:30", now=NOW)  # the same booking re-imported unchanged: the request stands
    assert {r.status for r in reminders(appointment_id)} == {SmsStatus.withdrawn}
    book("2026-12-02 12:00", now=NOW)  # the front desk gave a new time
    with session_scope() as db:
        assert db.get(Appointment, appointment_id).status == AppointmentStatus.booked
    assert {r.status for r in reminders(appointment_id)} == {SmsStatus.pending}


def test_an_r5_appointment_with_its_patient_as_subject_is_read(messaging, login_as):
    client, _user, csrf = login_as(Role.admin)
    resource = {
        "resourceType": "Appointment",
        "id": "r5-1",
        "status": "booked",
        "start": "2026-11-27T10:30:00+01:00",
        "subject": {"reference": "#p1"},
        "contained": [
            {
                "resourceType": "Patient",
                "id": "p1",
                "name": [{"text": "Ana Ruiz"}],
                "telecom": [{"system": "sms", "value": "600 222 333"}],
            }
        ],
        "participant": [
            {"actor": {"reference": "Practitioner/9", "display": "Dr. Gil"}, "status": "accepted"}
        ],
    }
    response = client.post("/api/fhir/Appointment", json=resource, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    assert response.json()["clinician"] == "Dr. Gil" and len(reminders(response.json()["id"])) == 2


def test_a_reminder_claimed_before_the_appointment_moved_goes_with_the_new_time(messaging):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    first = reminders(appointment_id)[0]
    with session_scope() as db:
        db.get(OutboundSms, first.id).status = SmsStatus.sending  # the engine claimed it
    book("2026-11-28 12:00", now=NOW)  # moved meanwhile
    assert engine_send(first.id, local("2026-11-24 10:30")) is False  # the old text never leaves
    again = reminders(appointment_id)[0]
    assert again.status == SmsStatus.pending and "28/11/2026" in again.body
    assert again.due_at == local("2026-11-25 12:00").astimezone(UTC)
