"""A real Kannel on loopback: bearerbox + smsbox with fakesmsc as the carrier. A reminder goes out
through sendsms, its delivery report and the patient's SÍ come back to carepost's webhooks."""

import shutil
import socket
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import update
from sqlmodel import select

from app.appointments.models import Appointment, AppointmentStatus
from app.clock import utcnow
from app.database import session_scope
from app.delivery import engine
from app.sms import outbound
from app.sms.models import InboundSms, OutboundSms, SmsStatus
from connectors import kannel
from connectors.kannel import KannelConnector
from tests.messaging import KANNEL_SECRET, NOW, book, reminders

BEARERBOX, SMSBOX = (
    shutil.which("bearerbox") or "/usr/sbin/bearerbox",
    shutil.which("smsbox") or "/usr/sbin/smsbox",
)
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
pytestmark = [
    pytest.mark.skipif(
        not (Path(BEARERBOX).exists() and Path(SMSBOX).exists() and Path(FAKESMSC).exists()),
        reason="Kannel is not installed (Debian packages kannel and kannel-extras)",
    ),
    # The fixed dates below are of the tests' calendar week; the real clock is set to it.
    pytest.mark.usefixtures("calendar_clock"),
]
PATIENT, PRACTICE = "+34600111222", "+34911000000"
WAIT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what: str):
    """Poll until check() is true; a generous limit only so a broken gateway cannot hang the run."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"Kannel round trip: {what} never happened")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


CONFIG = """
group = core
admin-port = {admin}
admin-password = adminpw
smsbox-port = {smsbox}
box-allow-ip = 127.0.0.1
log-file = "{dir}/bearerbox.log"
log-level = 1
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = {fake}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox}
sendsms-port = {sendsms}
log-file = "{dir}/smsbox.log"
log-level = 1

group = sendsms-user
username = carepost
password = sendpw

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "http://127.0.0.1:{app}/webhooks/kannel/sms?sig={sig}&id=%I&from=%p&text=%a"
"""


@pytest.fixture
def gateway(messaging, app, tmp_path):
    ports = {name: free_port() for name in ("admin", "smsbox", "fake", "sendsms", "app")}
    config = tmp_path / "kannel.conf"
    config.write_text(
        CONFIG.format(dir=tmp_path, sig=kannel.sign(KANNEL_SECRET, "inbound"), **ports)
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=ports["app"], log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: port_open(ports["app"]), "carepost listening")
    started = []
    bearerbox = subprocess.Popen(
        [BEARERBOX, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    started.append(bearerbox)
    wait_for(lambda: port_open(ports["smsbox"]), "bearerbox listening")
    smsbox = subprocess.Popen(
        [SMSBOX, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    started.append(smsbox)
    wait_for(lambda: port_open(ports["sendsms"]), "smsbox listening")

    def start_carrier(*messages: str) -> subprocess.Popen:
        """fakesmsc: receives what Kannel sends and sends each message as the patient's phone."""
        log = (tmp_path / "fakesmsc.log").open("w")
        carrier = subprocess.Popen(
            [
                FAKESMSC,
                "-H",
                "127.0.0.1",
                "-r",
                str(ports["fake"]),
                "-i",
                "0.5",
                "-m",
                str(len(messages)),
                *messages,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(carrier)
        return carrier

    yield {"ports": ports, "start_carrier": start_carrier, "dir": tmp_path}
    for process in reversed(started):
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    server.should_exit = True
    thread.join(timeout=10)


def test_reminder_goes_through_kannel_and_the_patients_si_comes_back(gateway):
    ports = gateway["ports"]
    appointment_id = book("2026-11-27 10:30", now=NOW, phone=PATIENT)
    first = reminders(appointment_id)[0]
    adapter = KannelConnector(
        f"http://127.0.0.1:{ports['sendsms']}/cgi-bin/sendsms",
        "carepost",
        "sendpw",
        sender=PRACTICE,
        dlr_url=f"http://127.0.0.1:{ports['app']}/webhooks/kannel/dlr",
        secret=KANNEL_SECRET,
    )
    # The reminder falls due and the delivery engine sends it through Kannel.
    with session_scope() as db:
        db.execute(
            update(OutboundSms)
            .where(OutboundSms.id == first.id)
            .values(due_at=utcnow() - timedelta(seconds=1))
        )
    assert engine.tick(worker="kannel-test", only=[outbound.SmsMessages(adapter)]).published == 1

    gateway["start_carrier"](f"{PATIENT} {PRACTICE} text Sí")
    log = gateway["dir"] / "fakesmsc.log"
    wait_for(
        lambda: log.exists() and "Got message" in log.read_text(errors="replace"),
        "the carrier receiving the reminder",
    )
    assert "27/11/2026" in log.read_text(errors="replace")

    def delivered() -> bool:
        with session_scope() as db:
            return db.get(OutboundSms, first.id).status == SmsStatus.delivered

    def confirmed() -> bool:
        with session_scope() as db:
            return db.get(Appointment, appointment_id).status == AppointmentStatus.confirmed

    wait_for(delivered, "the delivery report")
    wait_for(confirmed, "the patient's SÍ confirming the appointment")
    with session_scope() as db:
        reply = db.exec(select(InboundSms)).one()
    assert (reply.provider, reply.from_phone, reply.text) == ("kannel", PATIENT, "Sí")
