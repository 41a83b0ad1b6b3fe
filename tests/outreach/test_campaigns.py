"""Campaigns: opted-in contacts of a segment only, the footer added, a paused campaign sends nothing
(also what the engine claimed before the pause), a template edited after approval stops it; admins
and marketing run them."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.clock import utcnow
from app.contacts import service as contacts
from app.contacts.models import ConsentAction, ConsentRecord, Contact, Purpose
from app.database import session_scope
from app.errors import Conflict, InvalidInput
from app.outreach import campaigns, templates
from app.outreach.models import Campaign, CampaignStatus, TemplateKind
from app.sms import service as sms
from app.sms.models import OutboundSms, SmsKind, SmsStatus
from tests.messaging import NOW, engine_send, local, outbound
from tests.outreach.conftest import person

# The fixed dates below are of the tests' calendar week; the real clock is set to it.
pytestmark = pytest.mark.usefixtures("calendar_clock")

TUESDAY_10 = local("2026-11-24 10:00")


def flu(template_id: int, actor, **segment) -> int:
    """A draft flu campaign for Tuesday 10:00 (practice time)."""
    data = campaigns.CampaignIn(
        name="Gripe 2026",
        kind=TemplateKind.campaign,
        template_id=template_id,
        local_time=TUESDAY_10.replace(tzinfo=None),
        **segment,
    )
    with session_scope() as db:
        return campaigns.create(db=db, data=data, actor=actor, now=NOW).id


def act(step, campaign_id: int, actor, now=NOW):
    with session_scope() as db:
        return step(
            db=db, campaign=campaigns.get(db=db, campaign_id=campaign_id), actor=actor, now=now
        )


def campaign_sms() -> list[OutboundSms]:
    return outbound(SmsKind.campaign)


@pytest.fixture
def audience(staff):
    """Four patients: two opted in to campaigns (one in English), one who did not, one who opted
    in to invitations only."""
    admin, _clinician = staff
    return {
        "ana": person(
            "Ana Ruiz", "600 000 001", tags=("gripe",), opted_in=(Purpose.campaigns,), staff=admin
        ),
        "bob": person(
            "Bob Hale",
            "600 000 002",
            tags=("gripe",),
            language="en",
            opted_in=(Purpose.campaigns,),
            staff=admin,
        ),
        "carla": person("Carla Gil", "600 000 003", tags=("gripe",), staff=admin),
        "dani": person(
            "Dani Paz", "600 000 004", tags=("gripe",), opted_in=(Purpose.invitations,), staff=admin
        ),
    }


def test_a_contact_who_did_not_opt_in_is_never_reached(approved, staff, audience):
    admin, _clinician = staff
    campaign_id = flu(approved(TemplateKind.campaign), admin, tags=("gripe",))
    assert act(campaigns.schedule, campaign_id, admin) == 2
    queued = campaign_sms()
    assert sorted(m.contact_id for m in queued) == [audience["ana"], audience["bob"]]
    assert all(m.purpose == Purpose.campaigns and m.due_at == TUESDAY_10 for m in queued)
    spanish, english = sorted(queued, key=lambda m: m.language)[::-1]
    assert spanish.body.endswith(templates.footer("es")) and "Ana," in spanish.body
    assert english.body.endswith(templates.footer("en")) and "STOP" in english.body


def test_an_opt_out_after_scheduling_is_honoured_when_sending(approved, staff, audience):
    admin, _clinician = staff
    campaign_id = flu(approved(TemplateKind.campaign), admin)
    act(campaigns.schedule, campaign_id, admin)
    with session_scope() as db:
        ana = contacts.get(db=db, contact_id=audience["ana"])
        # Made after scheduling and before the send time, whatever today's date is.
        contacts.add_record(
            db,
            ConsentRecord(
                contact_id=ana.id,
                address=ana.phone,
                staff_id=admin.id,
                purpose=Purpose.campaigns,
                action=ConsentAction.withdrawn,
                form="baja",
                form_version="1",
                text_shown="No quiero campañas",
                at=TUESDAY_10 - timedelta(minutes=30),
            ),
        )
    sent = {m.contact_id: engine_send(m.id, TUESDAY_10) for m in campaign_sms()}
    assert sent == {audience["ana"]: False, audience["bob"]: True}
    with session_scope() as db:
        counts = campaigns.counts(db=db, campaign=db.get(Campaign, campaign_id))
    assert (counts["opted_out"], counts["sent"] + counts["delivered"]) == (1, 1)


def test_a_paused_campaign_is_not_sent_and_resumes_later(approved, staff, audience):
    admin, _clinician = staff
    campaign_id = flu(approved(TemplateKind.campaign), admin)
    act(campaigns.schedule, campaign_id, admin)
    first, second = campaign_sms()
    with session_scope() as db:  # the engine claimed one before the pause
        db.get(OutboundSms, first.id).status = SmsStatus.sending
    act(campaigns.pause, campaign_id, admin)
    assert not engine_send(first.id, TUESDAY_10)
    with session_scope() as db:
        assert db.get(OutboundSms, second.id).status == SmsStatus.withdrawn
        assert not sms.still_wanted(db, db.get(OutboundSms, second.id), TUESDAY_10)
        counts = campaigns.counts(db=db, campaign=db.get(Campaign, campaign_id))
    assert counts["queued"] == 2 and counts["sent"] == 0
    resumed_at = local("2026-11-24 22:30")  # after hours: they wait for the next morning
    act(campaigns.resume, campaign_id, admin, now=resumed_at)
    held = campaign_sms()
    assert {m.status for m in held} == {SmsStatus.pending}
    assert {m.due_at for m in held} == {local("2026-11-25 09:00")}
    assert all(engine_send(m.id, local("2026-11-25 09:00")) for m in held)


def test_editing_the_template_after_approval_stops_what_is_left(approved, staff, audience):
    admin, clinician = staff
    template_id = approved(TemplateKind.campaign)
    campaign_id = flu(template_id, admin)
    act(campaigns.schedule, campaign_id, admin)
    with session_scope() as db:
        templates.save(
            db=db,
            actor=admin,
            kind=TemplateKind.campaign,
            name="Gripe",
            text_es="{nombre}, vacunese de la gripe.",
            text_en="{nombre}, get your flu shot.",
            now=NOW,
            template_id=template_id,
        )
    assert not any(engine_send(m.id, TUESDAY_10) for m in campaign_sms())
    with pytest.raises(Conflict):
        act(campaigns.resume, campaign_id, admin)


def test_a_draft_template_cannot_be_scheduled_and_hours_are_checked(staff, audience):
    admin, _clinician = staff
    with session_scope() as db:
        draft = templates.save(
            db=db,
            actor=admin,
            kind=TemplateKind.campaign,
            name="Movember",
            text_es="{nombre}: Movember.",
            text_en="{nombre}: Movember.",
            now=NOW,
        ).id
    campaign_id = flu(draft, admin)
    with pytest.raises(Conflict):
        act(campaigns.schedule, campaign_id, admin)
    assert campaign_sms() == []
    with pytest.raises(InvalidInput, match="Sundays"):
        data = campaigns.CampaignIn(
            name="Noche",
            kind=TemplateKind.campaign,
            template_id=draft,
            local_time=local("2026-11-24 23:00").replace(tzinfo=None),
        )
        with session_scope() as db:
            campaigns.create(db=db, data=data, actor=admin, now=NOW)


def test_a_segment_by_age_leaves_out_unknown_and_other_ages(approved, staff):
    admin, _clinician = staff
    old = person(
        "Olga", "600 000 011", born=date(1950, 5, 1), opted_in=(Purpose.campaigns,), staff=admin
    )
    person("Yago", "600 000 012", born=date(2000, 5, 1), opted_in=(Purpose.campaigns,), staff=admin)
    person("Nadie", "600 000 013", opted_in=(Purpose.campaigns,), staff=admin)
    campaign_id = flu(approved(TemplateKind.campaign), admin, age_min=65)
    assert act(campaigns.schedule, campaign_id, admin) == 1
    assert [m.contact_id for m in campaign_sms()] == [old]


def test_marketing_runs_campaigns_and_clinicians_and_patients_may_not(approved, audience, login_as):
    template_id = approved(TemplateKind.campaign)
    when = (utcnow() + timedelta(days=3)).astimezone(local("2026-11-24 10:00").tzinfo)
    when = when.replace(hour=11, minute=0)
    if when.weekday() == 6:
        when += timedelta(days=1)
    form = {
        "kind": "campaign",
        "name": "Octubre rosa",
        "template_id": str(template_id),
        "tags": "gripe",
        "scheduled_at": when.strftime("%Y-%m-%dT%H:%M"),
    }
    for role, verified in ((Role.clinician, True), (Role.patient, False)):
        client, _u, csrf = login_as(role, verified=verified)
        assert client.post("/campaigns", data=form | {"csrf_token": csrf}).status_code == 403
    client, _u, csrf = login_as(Role.marketing)
    preview = client.post("/campaigns/audience", data=form | {"csrf_token": csrf})
    assert 'data-reachable="2"' in preview.text and "BAJA" in preview.text
    created = client.post("/campaigns", data=form | {"csrf_token": csrf})
    assert created.status_code == 303
    url = created.headers["location"]
    assert client.post(f"{url}/schedule", data={"csrf_token": csrf}).status_code == 303
    page = client.get(url)
    assert 'data-testid="audience-size">2<' in page.text and "600 000" not in page.text
    assert client.post(f"{url}/pause", data={"csrf_token": csrf}).status_code == 303
    with session_scope() as db:
        assert db.exec(select(Campaign)).one().status == CampaignStatus.paused


def test_the_csv_import_and_the_api_accept_a_date_of_birth(staff, login_as):
    admin, _clinician = staff
    rows = "name,phone,birth_date\nOlga,600 000 021,31/03/1950\nYago,600 000 022,2000-05-01\n"
    with session_scope() as db:
        result = contacts.import_csv(db=db, content=rows, actor=admin)
        assert result.errors == []
        born = [db.get(Contact, i).birth_date for i in result.created]
    assert born == [date(1950, 3, 31), date(2000, 5, 1)]
    client, _u, csrf = login_as(Role.admin)
    bad = client.post(
        "/api/contacts",
        json={"name": "X", "phone": "600 000 023", "birth_date": "1850-01-01"},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status_code == 422 and bad.json()["detail"].startswith("birth_date")
