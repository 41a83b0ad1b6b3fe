"""Contacts: E.164 numbers, role-scoped views, CSV import, append-only consent, may_send, GDPR export."""

import logging
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.contacts import service as contacts
from app.contacts.models import (
    ConsentAction,
    ConsentRecord,
    Contact,
    Language,
    MessageChannel,
    Purpose,
    SuppressionReason,
)
from app.contacts.schemas import ConsentCreate, ContactCreate
from app.database import session_scope
from tests.messaging import NOW, book

PAYLOAD = {
    "name": "Lucía Gómez",
    "phone": "600 111 222",
    "email": "Lucia@Example.org",
    "language": "es",
    "tags": ["Diabetes", "norte"],
}


def test_a_spanish_number_is_stored_and_returned_in_e164(messaging, login_as):
    client, _u, csrf = login_as(Role.admin)
    created = client.post("/api/contacts", json=PAYLOAD, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.text
    assert created.json()["phone"] == "+34600111222" and created.json()["tags"] == [
        "diabetes",
        "norte",
    ]
    listed = client.get("/api/contacts").json()
    assert [c["phone"] for c in listed] == ["+34600111222"]


@pytest.mark.parametrize("phone", ["12", "910 000 000", "hola", "+34 600 11"])
def test_an_invalid_or_landline_number_is_a_422_naming_the_field(messaging, login_as, phone):
    client, _u, csrf = login_as(Role.admin)
    response = client.post(
        "/api/contacts", json=PAYLOAD | {"phone": phone}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("phone:")


def test_the_default_region_comes_from_the_country_setting(messaging, monkeypatch):
    from app import settings

    monkeypatch.setenv("CAREPOST_COUNTRY", "GB")
    settings.get_settings.cache_clear()
    assert ContactCreate(name="John", phone="07911 123456").phone == "+447911123456"


def test_marketing_sees_names_and_opt_ins_only(messaging, login_as, make_user):
    admin = make_user(Role.admin)
    with session_scope() as db:
        contact = contacts.create(db=db, data=ContactCreate(**PAYLOAD), actor=admin)
        contacts.record_consent(
            db=db,
            contact=contact,
            data=ConsentCreate(
                purpose="campaigns",
                action="granted",
                form="flu-2026",
                form_version="3",
                text_shown="Acepto recibir campañas de vacunación por SMS.",
            ),
            staff=admin,
            ip="10.0.0.5",
        )
        contact_id = contact.id
    client, _u, csrf = login_as(Role.marketing)
    listed = client.get("/api/contacts").json()
    assert listed == [{"id": contact_id, "name": "Lucía Gómez", "opt_ins": ["campaigns"]}]
    page = client.get(f"/contacts/{contact_id}")
    assert (
        page.status_code == 200 and "+34600111222" not in page.text and "flu-2026" not in page.text
    )
    assert (
        client.post("/api/contacts", json=PAYLOAD, headers={"X-CSRF-Token": csrf}).status_code
        == 403
    )
    assert client.get(f"/api/contacts/{contact_id}/export").status_code == 403


def test_clinicians_see_the_number_and_consent_history(messaging, login_as, make_user):
    admin = make_user(Role.admin)
    with session_scope() as db:
        contact_id = contacts.create(db=db, data=ContactCreate(**PAYLOAD), actor=admin).id
    client, user, csrf = login_as(Role.clinician, verified=True)
    form = {
        "csrf_token": csrf,
        "purpose": "newsletters",
        "action": "granted",
        "form": "web-signup",
        "form_version": "2",
        "text_shown": "Quiero recibir el boletín mensual.",
    }
    assert client.post(f"/contacts/{contact_id}/consent", data=form).status_code == 303
    page = client.get(f"/contacts/{contact_id}")
    assert (
        "+34600111222" in page.text
        and "web-signup" in page.text
        and 'data-testid="consent-record"' in page.text
    )
    with session_scope() as db:
        record = db.exec(select(ConsentRecord)).one()
    assert record.staff_id == user.id and record.ip and len(record.text_sha256) == 64
    unverified, _u, csrf2 = login_as(Role.clinician)
    assert unverified.get(f"/contacts/{contact_id}").status_code == 403


def test_consent_records_cannot_be_changed_or_deleted(messaging, make_user):
    admin = make_user(Role.admin)
    with session_scope() as db:
        contact = contacts.create(db=db, data=ContactCreate(**PAYLOAD), actor=admin)
        contacts.record_keyword(
            db=db,
            contact=contact,
            action=ConsentAction.withdrawn,
            keyword="BAJA",
            purposes=(Purpose.reminders,),
            now=NOW,
        )
    for statement in ("UPDATE consentrecord SET action = 'granted'", "DELETE FROM consentrecord"):
        with pytest.raises(Exception, match="append-only"):
            with session_scope() as db:
                db.exec(text(statement))


def test_may_send_follows_the_legal_basis_of_each_purpose(messaging, make_user):
    admin = make_user(Role.admin)
    later = NOW + timedelta(hours=1)
    with session_scope() as db:
        contact = contacts.create(db=db, data=ContactCreate(**PAYLOAD), actor=admin)

        def may(purpose, at=later):
            return bool(contacts.may_send(db, contact, MessageChannel.sms, purpose, at))

        # Care purposes need no consent; promotional ones need a recorded opt-in.
        assert (
            may(Purpose.reminders),
            may(Purpose.results),
            may(Purpose.campaigns),
            may(Purpose.invitations),
        ) == (True, True, False, False)
        contacts.record_keyword(
            db=db,
            contact=contact,
            action=ConsentAction.granted,
            keyword="x",
            purposes=(Purpose.campaigns,),
            now=NOW,
        )
        assert may(Purpose.campaigns) and not may(Purpose.campaigns, at=NOW - timedelta(seconds=1))
        # The patient may still opt out of care messages.
        contacts.record_keyword(
            db=db,
            contact=contact,
            action=ConsentAction.withdrawn,
            keyword="x",
            purposes=(Purpose.results,),
            now=NOW,
        )
        assert not may(Purpose.results) and may(Purpose.reminders)
        # A provider's opt-out blocks everything but the answer to the person's own message.
        contacts.suppress(
            db=db,
            address=contact.phone,
            reason=SuppressionReason.provider_opt_out,
            now=NOW,
            code="21610",
        )
        assert not may(Purpose.reminders) and not may(Purpose.campaigns) and may(Purpose.service)
        # START lifts the opt-out and the provider's block after it; a dead number stays blocked.
        contacts.lift_suppression(db=db, address=contact.phone, now=later)
        assert may(Purpose.reminders, at=later + timedelta(seconds=1))
        contacts.suppress(
            db=db,
            address=contact.phone,
            reason=SuppressionReason.undeliverable,
            now=later,
            code="30005",
        )
        contacts.lift_suppression(db=db, address=contact.phone, now=later + timedelta(minutes=1))
        assert not may(Purpose.reminders, at=later + timedelta(minutes=2))


CSV_BAD = "name,phone,email,language,tags\nAna,600 111 222,,es,a;b\n,600 222 333,,es,\nPedro,12,,es,\nMarta,600 444 555,,fr,\n"
CSV_OK = "name,phone,email,language,tags\nAna,600 111 222,,es,a;b\nJohn,+44 7911 123456,john@example.org,en,\n"


def test_csv_import_reports_every_problem_and_stores_nothing_until_clean(messaging, login_as):
    client, _u, csrf = login_as(Role.admin)
    bad = client.post(
        "/contacts-import",
        data={"csrf_token": csrf},
        files={"file": ("c.csv", CSV_BAD.encode(), "text/csv")},
    )
    assert bad.status_code == 422
    assert (
        "row 3: name" in bad.text and "row 4: phone" in bad.text and "row 5: language" in bad.text
    )
    with session_scope() as db:
        assert db.exec(select(Contact)).all() == []
    good = client.post(
        "/contacts-import",
        data={"csrf_token": csrf},
        files={"file": ("c.csv", CSV_OK.encode(), "text/csv")},
    )
    assert good.status_code == 200
    with session_scope() as db:
        assert sorted(c.phone for c in db.exec(select(Contact))) == [
            "+34600111222",
            "+447911123456",
        ]
    marketing, _u, csrf2 = login_as(Role.marketing)
    assert (
        marketing.post(
            "/contacts-import",
            data={"csrf_token": csrf2},
            files={"file": ("c.csv", CSV_OK.encode(), "text/csv")},
        ).status_code
        == 403
    )


def test_gdpr_export_has_everything_about_the_contact_and_is_audited(messaging, login_as):
    appointment_id = book("2026-11-27 10:30", now=NOW)
    client, _u, _csrf = login_as(Role.admin)
    with session_scope() as db:
        contact_id = db.exec(select(Contact.id)).one()
    response = client.get(f"/api/contacts/{contact_id}/export")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    body = response.json()
    assert body["contact"]["phone"] == "+34600111222"
    assert [a["id"] for a in body["appointments"]] == [appointment_id]
    assert len(body["sms_sent"]) == 2 and "consent" in body
    with session_scope() as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "contact.export")).all()
    assert len(events) == 1 and "+34" not in str(events[0].detail)
    assert client.get("/api/contacts/999999/export").status_code == 404


def test_numbers_and_bodies_never_reach_the_logs(messaging, client, caplog):
    from app.sms import replies

    caplog.set_level(logging.DEBUG)
    book("2026-11-27 10:30", now=NOW)
    with session_scope() as db:
        replies.handle_inbound(
            db,
            provider="phone",
            provider_sid="p1",
            from_phone="+34600111222",
            text="Tengo fiebre alta",
            now=NOW,
        )
    client.post(
        "/webhooks/twilio/sms",
        data={"MessageSid": "SMx", "From": "+34600111222", "Body": "Tengo fiebre"},
        headers={"X-Twilio-Signature": "bad"},
    )
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "600111222" not in logged and "fiebre" not in logged
    with session_scope() as db:
        details = " ".join(str(e.detail) for e in db.exec(select(AuditEvent)))
    assert "600111222" not in details and "fiebre" not in details


def test_contacts_are_filtered_by_tag_in_the_database(messaging, login_as, make_user):
    admin = make_user(Role.admin)
    with session_scope() as db:
        for name, phone, tags in [
            ("Ana", "600 111 222", ["niños", "norte"]),
            ("Eva", "600 222 333", ["norte_sur"]),
            ("Luz", "600 333 444", []),
        ]:
            contacts.create(
                db=db, data=ContactCreate(name=name, phone=phone, tags=tags), actor=admin
            )
    client, _u, _csrf = login_as(Role.admin)
    assert [c["name"] for c in client.get("/api/contacts", params={"tag": "niños"}).json()] == [
        "Ana"
    ]
    assert [c["name"] for c in client.get("/api/contacts", params={"tag": "norte"}).json()] == [
        "Ana"
    ]
    assert [c["name"] for c in client.get("/api/contacts", params={"tag": "norte_sur"}).json()] == [
        "Eva"
    ]
    assert client.get("/api/contacts", params={"tag": "nort%"}).json() == []


def test_a_contact_may_be_linked_to_an_existing_account_only(messaging, login_as, make_user):
    patient = make_user(Role.patient)
    client, _u, csrf = login_as(Role.admin)
    headers = {"X-CSRF-Token": csrf}
    linked = client.post("/api/contacts", json=PAYLOAD | {"user_id": patient.id}, headers=headers)
    assert linked.status_code == 201 and linked.json()["user_id"] == patient.id
    missing = client.post("/api/contacts", json=PAYLOAD | {"user_id": 999_999}, headers=headers)
    assert missing.status_code == 422 and missing.json()["field"] == "user_id"


def test_a_contact_with_an_address_and_no_phone_shows_on_the_pages_and_the_api(messaging, login_as):
    """A newsletter sign-up makes a contact with an e-mail address and no phone number."""
    with session_scope() as db:
        db.add(Contact(name="Solo Correo", email="solo@example.org", language=Language.es))
    client, _user, _csrf = login_as(Role.admin)
    listing = client.get("/contacts")
    assert listing.status_code == 200 and "solo@example.org" in listing.text
    [row] = [c for c in client.get("/api/contacts").json() if c["name"] == "Solo Correo"]
    assert row["phone"] is None and row["email"] == "solo@example.org"
    assert client.get(f"/contacts/{row['id']}").status_code == 200
