"""Results ready: an approved template only, queued with purpose results for the engine; the lab's
external_id sends once; care staff may, marketing and patients may not."""

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.contacts import service as contacts
from app.contacts.models import Purpose, SuppressionReason
from app.database import session_scope
from app.outreach.models import ResultsNotice, TemplateKind
from app.sms.models import OutboundSms, SmsKind, SmsStatus
from tests.messaging import NOW, engine_send, outbound
from tests.outreach.conftest import person

# The fixed dates below are of the tests' calendar week; the real clock is set to it.
pytestmark = pytest.mark.usefixtures("calendar_clock")

PHONE = "+34600111222"


def results_sms() -> list[OutboundSms]:
    return outbound(SmsKind.results)


def test_the_same_external_id_twice_sends_once_and_returns_the_first(approved, login_as):
    approved(TemplateKind.results_ready)
    contact_id = person("Lucía Gómez", "600 111 222")
    client, _u, csrf = login_as(Role.clinician, verified=True)
    body = {"contact": contact_id, "external_id": "LAB-77"}
    first = client.post("/api/results-ready", json=body, headers={"X-CSRF-Token": csrf})
    again = client.post("/api/results-ready", json=body, headers={"X-CSRF-Token": csrf})
    assert (first.status_code, again.status_code) == (201, 200), first.text
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    (message,) = results_sms()
    assert (message.purpose, message.to_phone, message.status) == (
        Purpose.results,
        PHONE,
        SmsStatus.pending,
    )
    assert "Lucía" in message.body and "recepcion" in message.body


def test_the_lab_may_name_the_contact_by_phone(approved, login_as):
    approved(TemplateKind.results_ready)
    contact_id = person("Lucía Gómez", "600 111 222")
    client, _u, csrf = login_as(Role.admin)
    sent = client.post(
        "/api/results-ready",
        json={"contact": "600 111 222", "external_id": "LAB-1"},
        headers={"X-CSRF-Token": csrf},
    )
    assert sent.status_code == 201 and sent.json()["contact_id"] == contact_id
    unknown = client.post(
        "/api/results-ready", json={"contact": "600 999 888"}, headers={"X-CSRF-Token": csrf}
    )
    assert unknown.status_code == 404


def test_without_an_approved_template_nothing_is_sent(staff, login_as):
    contact_id = person("Lucía Gómez", "600 111 222")
    client, _u, csrf = login_as(Role.admin)
    refused = client.post(
        "/api/results-ready", json={"contact": contact_id}, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status_code == 409 and "approved" in refused.json()["detail"]
    assert results_sms() == []


def test_marketing_and_patients_may_not_send_results_ready(approved, login_as):
    template_id = approved(TemplateKind.results_ready)
    contact_id = person("Lucía Gómez", "600 111 222")
    for role in (Role.marketing, Role.patient):
        client, _u, csrf = login_as(role)
        api = client.post(
            "/api/results-ready", json={"contact": contact_id}, headers={"X-CSRF-Token": csrf}
        )
        page = client.post(
            f"/contacts/{contact_id}/results-ready",
            data={"template_id": template_id, "csrf_token": csrf},
        )
        assert (api.status_code, page.status_code) == (403, 403)
    assert results_sms() == []


def test_a_clinician_sends_it_from_the_contact_page_with_one_button(approved, login_as):
    template_id = approved(TemplateKind.results_ready)
    contact_id = person("Lucía Gómez", "600 111 222")
    client, _u, csrf = login_as(Role.clinician, verified=True)
    page = client.get(f"/contacts/{contact_id}")
    assert f'value="{template_id}"' in page.text and 'name="text"' not in page.text
    sent = client.post(
        f"/contacts/{contact_id}/results-ready",
        data={"template_id": template_id, "csrf_token": csrf},
    )
    assert sent.status_code == 303
    (message,) = results_sms()
    assert engine_send(message.id, NOW)
    with session_scope() as db:
        notice = db.exec(select(ResultsNotice)).one()
        assert notice.sms_id == message.id and notice.external_id is None


def test_a_contact_who_opted_out_does_not_get_it(approved, login_as):
    approved(TemplateKind.results_ready)
    contact_id = person("Lucía Gómez", "600 111 222")
    with session_scope() as db:
        contacts.suppress(db=db, address=PHONE, reason=SuppressionReason.reply_stop, now=NOW)
    client, _u, csrf = login_as(Role.admin)
    sent = client.post(
        "/api/results-ready", json={"contact": contact_id}, headers={"X-CSRF-Token": csrf}
    )
    assert sent.status_code == 201 and sent.json()["may_send"] is False
    (message,) = results_sms()
    assert not engine_send(message.id, NOW)
    assert results_sms()[0].status == SmsStatus.skipped
