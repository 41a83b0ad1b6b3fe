"""The reminder report: per plan and per local day, sent / delivered / failed, the replies, and
no-shows among reminded and not reminded appointments; a chart, a table and a CSV for care staff."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.appointments import reports
from app.appointments.models import Appointment, AppointmentStatus
from app.database import session_scope
from app.sms.models import InboundSms, Intent, OutboundSms, SmsStatus
from tests.messaging import book, local, reminders

# The fixed dates below are of the tests' calendar week; the real clock is set to it.
pytestmark = pytest.mark.usefixtures("calendar_clock")

BOOKED = local("2026-11-01 09:00")


def settle(message: OutboundSms, status: SmsStatus, sent_at) -> None:
    with session_scope() as db:
        row = db.get(OutboundSms, message.id)
        row.status, row.sent_at, row.status_at = status, sent_at, sent_at


def reply(appointment_id: int, intent: Intent, at, sid: str) -> None:
    with session_scope() as db:
        db.add(
            InboundSms(
                provider="phone",
                provider_sid=sid,
                from_phone="+34600111222",
                appointment_id=appointment_id,
                text=str(intent),
                intent=intent,
                received_at=at,
            )
        )


def attendance(appointment_id: int, status: AppointmentStatus) -> None:
    with session_scope() as db:
        db.get(Appointment, appointment_id).status = status


def a_fortnight_of_reminders() -> None:
    """Three reminded appointments and two that were not reminded, around 12 November."""
    confirmed = book("2026-11-13 10:00", now=BOOKED, external_id="R-1")
    missed = book("2026-11-13 11:00", now=BOOKED, external_id="R-2", phone="600 111 333")
    failed = book("2026-11-14 12:00", now=BOOKED, external_id="R-3", phone="600 111 444")
    seventy_two, twenty_four = reminders(confirmed)
    settle(seventy_two, SmsStatus.delivered, local("2026-11-10 10:00"))
    # 00:30 on the 12th in Madrid is still the 11th in UTC: it counts on the 12th.
    settle(twenty_four, SmsStatus.delivered, local("2026-11-12 00:30"))
    settle(reminders(missed)[1], SmsStatus.sent, local("2026-11-12 11:00"))
    settle(reminders(failed)[1], SmsStatus.failed, local("2026-11-13 12:00"))
    with session_scope() as db:  # never accepted by the provider: failed without a sent time
        db.get(OutboundSms, reminders(failed)[1].id).sent_at = None
    reply(confirmed, Intent.confirm, local("2026-11-12 09:00"), "i-1")
    reply(missed, Intent.change, local("2026-11-12 12:00"), "i-2")
    reply(missed, Intent.stop, local("2026-11-12 12:05"), "i-3")
    attendance(confirmed, AppointmentStatus.attended)
    attendance(missed, AppointmentStatus.no_show)
    for n, status in enumerate((AppointmentStatus.no_show, AppointmentStatus.attended)):
        unreminded = book(
            f"2026-11-12 1{n}:00",
            now=local("2026-11-12 08:00"),
            external_id=f"U-{n}",
            phone=f"600 222 33{n}",
        )
        with session_scope() as db:  # booked the same morning: no reminder went out
            for message in db.exec(
                select(OutboundSms).where(OutboundSms.appointment_id == unreminded)
            ):
                message.status = SmsStatus.withdrawn
        attendance(unreminded, status)


def test_counts_per_plan_and_local_day_with_no_shows_reminded_or_not(messaging):
    a_fortnight_of_reminders()
    with session_scope() as db:
        report = reports.build(db, start=date(2026, 11, 10), end=date(2026, 11, 14))
    rows = {(day.day, plan): counts for day, plan, counts in report.table()}
    assert rows[(10, "Reminders")] == reports.Counts(sent=1, delivered=1)
    assert rows[(12, "Reminders")] == reports.Counts(
        sent=2, delivered=1, confirmed=1, change_requests=1, opt_outs=1
    )
    assert rows[(12, None)] == reports.Counts(attended=1, no_shows=1)
    assert rows[(13, "Reminders")] == reports.Counts(failed=1, attended=1, no_shows=1)
    assert report.no_show_rates() == {"reminded": (1, 2), "not_reminded": (1, 2)}
    assert [c.sent for _d, c in report.per_day()] == [1, 0, 2, 0, 0]


def test_a_period_longer_than_three_months_is_refused(messaging):
    today = date(2026, 11, 23)
    assert reports.period(None, None, today) == (today - timedelta(days=13), today)
    for start, end in ((date(2026, 1, 1), today), (today, date(2026, 11, 1))):
        try:
            reports.period(start, end, today)
        except reports.InvalidInput as error:
            assert error.field == "start"
        else:
            raise AssertionError("refused")


def test_care_staff_see_the_chart_table_and_csv_and_marketing_and_patients_do_not(
    messaging, login_as
):
    a_fortnight_of_reminders()
    period = {"start": "2026-11-10", "end": "2026-11-14"}
    clinician, _doctor, _csrf = login_as(Role.clinician, verified=True)
    page = clinician.get("/reminder-report", params=period)
    assert page.status_code == 200
    assert 'data-testid="report-chart"' in page.text and page.text.count("<rect x=") == 6
    assert 'data-testid="rate-reminded" data-missed="1" data-total="2"' in page.text
    assert page.text.count('data-testid="report-row"') == 4
    csv = clinician.get("/reminder-report.csv", params=period)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert (
        lines[0]
        == "day,plan,sent,delivered,failed,confirmed,change_requests,opt_outs,attended,no_shows"
    )
    assert "2026-11-12,Reminders,2,1,0,1,1,1,0,0" in lines
    assert "2026-11-12,not reminded,0,0,0,0,0,0,1,1" in lines
    admin, _a, admin_csrf = login_as(Role.admin)
    admin.post("/language", data={"lang": "es", "csrf_token": admin_csrf})
    assert "Informe de recordatorios" in admin.get("/reminder-report", params=period).text
    assert (
        "2026-11-12,sin recordatorio,0,0,0,0,0,0,1,1"
        in admin.get("/reminder-report.csv", params=period).text.splitlines()
    )
    assert clinician.get("/reminder-report", params={"start": "12/11"}).status_code == 422
    for role in (Role.marketing, Role.patient):
        other, _u, _c = login_as(role)
        assert other.get("/reminder-report").status_code == 403
        assert other.get("/reminder-report.csv").status_code == 403
