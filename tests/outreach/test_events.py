"""Events: an invitation answered SÍ registers the contact and says so by SMS; a reminder sent after
the invitation keeps SÍ for the appointment; the event page shows who is coming."""

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.appointments.models import Appointment, AppointmentStatus
from app.contacts.models import ConsentAction, ConsentRecord, Purpose
from app.database import session_scope
from app.i18n import translator
from app.outreach import campaigns, events
from app.outreach.models import EventRegistration, TemplateKind
from app.sms import replies
from app.sms.models import SmsKind
from tests.messaging import NOW, book, engine_send, local, outbound, reminders
from tests.outreach.conftest import person

# The fixed dates below are of the tests' calendar week; the real clock is set to it.
pytestmark = pytest.mark.usefixtures("calendar_clock")

PHONE = "+34600111222"


def workshop(actor, capacity=None) -> int:
    with session_scope() as db:
        return events.create(
            db=db,
            actor=actor,
            title="Taller de diabetes",
            place="Sala 2",
            local_start=local("2026-12-03 18:00").replace(tzinfo=None),
            capacity=capacity,
            now=NOW,
        ).id


def invite(template_id: int, event_id: int, actor) -> None:
    """Send the event's invitation to everyone opted in, through the engine's send step."""
    data = campaigns.CampaignIn(
        name="Invitación",
        kind=TemplateKind.invitation,
        template_id=template_id,
        local_time=local("2026-11-23 12:00").replace(tzinfo=None),
        event_id=event_id,
    )
    with session_scope() as db:
        campaign = campaigns.create(db=db, data=data, actor=actor, now=NOW)
        campaigns.schedule(db=db, campaign=campaign, actor=actor, now=NOW)
    for message in outbound(SmsKind.invitation):
        engine_send(message.id, local("2026-11-23 12:00"))


def reply(text: str, sid: str, at: str = "2026-11-23 13:00"):
    with session_scope() as db:
        return replies.handle_inbound(
            db, provider="phone", provider_sid=sid, from_phone=PHONE, text=text, now=local(at)
        )


def registered(event_id: int) -> list[int]:
    with session_scope() as db:
        query = select(EventRegistration.contact_id).where(EventRegistration.event_id == event_id)
        return list(db.exec(query))


def test_si_to_an_invitation_registers_and_confirms_by_sms(approved, staff, login_as):
    admin, _clinician = staff
    contact_id = person("Lucía Gómez", "600 111 222", opted_in=(Purpose.invitations,), staff=admin)
    person("Sin permiso", "600 111 333", staff=admin)
    event_id = workshop(admin)
    invite(approved(TemplateKind.invitation), event_id, admin)
    (invitation,) = outbound(SmsKind.invitation)
    assert "Taller de diabetes" in invitation.body and "03/12/2026" in invitation.body
    reply("Sí", "in-1")
    reply("SI", "in-2")  # said twice: registered once
    assert registered(event_id) == [contact_id]
    answers = outbound(SmsKind.registration)
    assert len(answers) == 2 and answers[0].purpose == Purpose.service
    assert "Taller de diabetes" in answers[0].body and "18:00" in answers[0].body
    client, _u, _csrf = login_as(Role.marketing)
    page = client.get(f"/events/{event_id}")
    assert page.text.count('data-testid="attendee"') == 1 and "Lucía Gómez" in page.text
    assert PHONE not in page.text


def test_a_reminder_after_the_invitation_keeps_si_for_the_appointment(approved, staff):
    admin, _clinician = staff
    event_id = workshop(admin)
    appointment_id = book("2026-11-27 10:30", now=NOW)  # Lucía Gómez, 600 111 222
    with session_scope() as db:  # she also opted in to invitations
        db.add(
            ConsentRecord(
                contact_id=db.get(Appointment, appointment_id).contact_id,
                purpose=Purpose.invitations,
                action=ConsentAction.granted,
                address=PHONE,
                at=local("2026-11-01 10:00"),
                form="alta",
                form_version="1",
            )
        )
    invite(approved(TemplateKind.invitation), event_id, admin)
    assert engine_send(reminders(appointment_id)[0].id, local("2026-11-24 10:30"))
    reply("Sí", "in-1", at="2026-11-24 11:00")
    with session_scope() as db:
        assert db.get(Appointment, appointment_id).status == AppointmentStatus.confirmed
    assert registered(event_id) == []
    assert outbound(SmsKind.registration) == []


def test_a_full_event_says_so_and_registers_nobody_more(approved, staff):
    admin, _clinician = staff
    first = person("Ana", "600 111 444", opted_in=(Purpose.invitations,), staff=admin)
    person("Lucía Gómez", "600 111 222", opted_in=(Purpose.invitations,), staff=admin)
    event_id = workshop(admin, capacity=1)
    invite(approved(TemplateKind.invitation), event_id, admin)
    with session_scope() as db:
        replies.handle_inbound(
            db,
            provider="phone",
            provider_sid="in-0",
            from_phone="+34600111444",
            text="SI",
            now=local("2026-11-23 12:30"),
        )
    reply("SI", "in-1")
    assert registered(event_id) == [first]
    full = translator("es")("Sorry: {evento} is full.", evento="Taller de diabetes")
    assert outbound(SmsKind.registration)[-1].body == full


def test_an_invitation_still_waiting_when_the_event_begins_is_not_sent(approved, staff):
    admin, _clinician = staff
    person("Lucía Gómez", "600 111 222", opted_in=(Purpose.invitations,), staff=admin)
    event_id = workshop(admin)
    data = campaigns.CampaignIn(
        name="Invitación",
        kind=TemplateKind.invitation,
        template_id=approved(TemplateKind.invitation),
        local_time=local("2026-11-23 12:00").replace(tzinfo=None),
        event_id=event_id,
    )
    with session_scope() as db:
        campaign = campaigns.create(db=db, data=data, actor=admin, now=NOW)
        campaigns.schedule(db=db, campaign=campaign, actor=admin, now=NOW)
    (invitation,) = outbound(SmsKind.invitation)
    assert not engine_send(invitation.id, local("2026-12-03 18:05"))
