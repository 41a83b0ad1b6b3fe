"""In headless Chromium: appointments imported from CSV, the reminder on the local phone, SÍ
confirms the appointment, BAJA opts the contact out with its consent record."""

import random
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, update
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.demo import DEMO_USERS
from app.sms.models import OutboundSms, SmsKind, SmsStatus
from app.sms.routes import SAMPLE
from tests.web.test_login_browser import log_in, unique_word

PASSWORDS = {spec["username"]: spec["password"] for spec in DEMO_USERS}


def make_reminder_due(data_dir, phone: str) -> None:
    """The reminder goes the day before; here it is due now, and the server's dispatcher (it runs
    in the server's process every second) sends it through the engine like any other."""
    engine = create_engine(f"sqlite:///{data_dir / 'carepost.db'}")
    with Session(engine) as db:
        first = db.exec(
            select(OutboundSms.id)
            .where(OutboundSms.to_phone == phone, OutboundSms.kind == SmsKind.reminder)
            .where(OutboundSms.status == SmsStatus.pending)
            .order_by(col(OutboundSms.due_at))
        ).first()
        assert first is not None, "the import planned a reminder"
        db.execute(
            update(OutboundSms)
            .where(col(OutboundSms.id) == first)
            .values(due_at=utcnow() - timedelta(seconds=1))
        )
        db.commit()
    engine.dispose()


def open_conversation(page, base: str, phone: str) -> None:
    for _ in range(60):  # the dispatcher runs every second; a loaded machine may need longer
        page.goto(base + "/phone")
        link = page.locator(f"a:text-is('{phone}')")
        if link.count():
            link.click()
            page.wait_for_selector("[data-testid=phone-message]")
            return
        time.sleep(0.5)
    raise AssertionError("the reminder never reached the local phone")


def reply(page, text: str) -> None:
    page.fill("#conversation input[name=text]", text)
    page.click("#conversation button[type=submit]")
    page.wait_for_selector(f"[data-testid=phone-message][data-inbound=true]:has-text('{text}')")


def test_a_plan_is_test_sent_to_a_staff_phone_from_the_reminder_plans_page(browser, live_server):
    staff_phone = f"+3462{random.randrange(10**6, 10**7)}"
    page = browser.new_context(locale="en-GB").new_page()
    log_in(page, live_server, "admin", PASSWORDS["admin"])
    page.wait_for_selector("[data-testid=whoami]")
    page.goto(live_server + "/reminder-plans")
    bubble = page.locator("[data-testid=sms-bubble]").first
    bubble.wait_for()
    page.wait_for_load_state("networkidle")  # the preview fills the bubble after the page loads
    assert SAMPLE["fecha"] in bubble.inner_text(), (
        "the bubble shows the message as a patient reads it"
    )
    test_form = page.locator("form[data-swap-refusals]").first
    test_form.locator("input[name=phone]").fill("12")
    test_form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=test-refused]")
    test_form.locator("input[name=phone]").fill(staff_phone)
    test_form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=test-sent]")
    open_conversation(page, live_server, staff_phone)
    assert SAMPLE["fecha"] in page.inner_text("[data-testid=phone-message]")


def test_imported_appointment_reminded_confirmed_by_si_and_opted_out_by_baja(
    browser, live_server, live_data_dir, tmp_path
):
    name = f"Paciente {unique_word().title()}"
    phone = f"+3461{random.randrange(10**6, 10**7)}"
    day = (utcnow() + timedelta(days=2)).astimezone(ZoneInfo("Europe/Madrid")).date()
    csv = tmp_path / "agenda.csv"
    csv.write_text(
        "external_id,name,phone,date,time,clinician,place,language\n"
        f"B-{unique_word()},{name},{phone},{day:%Y-%m-%d},11:30,Dra. Ruiz,Consulta 2,es\n"
    )
    page = browser.new_context(locale="en-GB").new_page()
    log_in(page, live_server, "admin", PASSWORDS["admin"])
    page.wait_for_selector("[data-testid=whoami]")
    page.goto(live_server + "/appointments")
    page.set_input_files("input[name=file]", str(csv))
    page.click("form:has(input[name=file]) button[type=submit]")
    page.wait_for_selector("p.ok:has-text('Imported 1 appointments.')")
    row = page.locator(f"[data-testid=appointment-row]:has-text('{name}')")
    assert row.get_attribute("data-status") == "booked"

    make_reminder_due(live_data_dir, phone)
    open_conversation(page, live_server, phone)
    reminder = page.inner_text("[data-testid=phone-message][data-inbound=false]")
    assert "Dra. Ruiz" in reminder and f"{day:%d/%m/%Y}" in reminder and "11:30" in reminder
    reply(page, "Sí")
    page.goto(live_server + "/appointments")
    row = page.locator(f"[data-testid=appointment-row]:has-text('{name}')")
    assert row.get_attribute("data-status") == "confirmed"

    open_conversation(page, live_server, phone)
    reply(page, "BAJA")
    page.goto(live_server + "/appointments")
    page.click(f"[data-testid=appointment-row] a:text-is('{name}')")
    page.wait_for_selector("#sms-status")
    reminders = page.locator("#sms-status tr[data-purpose=reminders]")
    assert reminders.get_attribute("data-allowed") == "false"
    records = page.locator("#consent [data-testid=consent-record]:has-text('«BAJA»')")
    assert records.count() >= 1 and "withdrawn" in records.first.inner_text()
