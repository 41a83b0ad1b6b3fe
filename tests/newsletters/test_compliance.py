"""One-click unsubscribe (RFC 8058) without a session, double opt-in where only a POST acts,
returned mail that suppresses the address, and the settings page with the DNS records."""

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import Role
from app.clock import utcnow
from app.contacts import service as contacts
from app.contacts.models import ConsentRecord, Contact, MessageChannel, Purpose, Suppression
from app.database import session_scope
from app.delivery import engine
from app.newsletters import tokens
from app.newsletters.models import EmailEvent, EmailSettings, EmailStatus
from tests.conftest import csrf_of
from tests.newsletters.conftest import (
    email_kind,
    newsletter,
    outbound,
    send_newsletter,
    subscriber,
)

FIXTURES = Path(__file__).parent / "fixtures"


def sent_to_lucia(practice) -> str:
    subscriber()
    send_newsletter(practice, newsletter(practice))
    engine.tick(worker="test", only=[email_kind()])
    [row] = outbound()
    assert row.status == EmailStatus.sent
    return row.token


def may_mail(email: str = "lucia@example.org") -> bool:
    with session_scope() as db:
        contact = db.exec(select(Contact).where(Contact.email == email)).one()
        return bool(
            contacts.may_send(db, contact, MessageChannel.email, Purpose.newsletters, utcnow())
        )


def choices(email: str = "lucia@example.org") -> list[str]:
    with session_scope() as db:
        query = select(ConsentRecord.action).where(
            ConsentRecord.address == email, ConsentRecord.channel == MessageChannel.email
        )
        return [str(a) for a in db.exec(query.order_by(ConsentRecord.id))]


def test_one_click_post_unsubscribes_without_a_session_once_and_a_get_changes_nothing(
    practice, app
):
    token = sent_to_lucia(practice)
    with TestClient(app, follow_redirects=False) as mail_provider:
        page = mail_provider.get(f"/u/{token}")
        assert page.status_code == 200 and f'action="/u/{token}"' in page.text
        assert may_mail()
        posted = mail_provider.post(
            f"/u/{token}",
            content="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert posted.status_code == 200 and 'data-testid="unsubscribed"' in posted.text
        assert not may_mail()
        assert mail_provider.post(f"/u/{token}").status_code == 200  # again: nothing new
    assert choices() == ["granted", "withdrawn"]
    with session_scope() as db:
        assert [e.kind for e in db.exec(select(EmailEvent))] == ["unsubscribe"]
    with TestClient(app) as other:
        assert other.post("/u/" + "A" * 22).status_code == 404


def test_a_sign_up_is_confirmed_only_by_the_post_behind_the_emailed_link(practice, smtp, app):
    with TestClient(app, follow_redirects=False) as visitor:
        form = visitor.get("/n/signup/en")
        assert form.status_code == 200 and 'lang="en"' in form.text
        csrf = csrf_of(visitor)
        refused = visitor.post(
            "/n/signup/en", data={"csrf_token": csrf, "name": "Jo", "email": "jo@example.org"}
        )
        assert refused.status_code == 422  # the consent box was not ticked
        done = visitor.post(
            "/n/signup/en",
            data={"csrf_token": csrf, "name": "Jo", "email": "Jo@Example.org", "agree": "true"},
        )
        assert done.status_code == 200 and 'data-testid="signup-done"' in done.text
    assert not may_mail("jo@example.org")
    engine.tick(worker="test", only=[email_kind()])
    [mail] = smtp.received
    assert mail.rcpt_tos == ["jo@example.org"] and mail.message["List-Unsubscribe"] is None
    text = mail.message.get_body(("plain",)).get_content()
    link = re.search(r"https://clinic.example(/n/confirm/[A-Za-z0-9_-]+)", text).group(1)
    with TestClient(app, follow_redirects=False) as scanner:
        assert scanner.get(link).status_code == 200
    assert not may_mail("jo@example.org")  # a scanner that follows the link confirms nothing
    with TestClient(app, follow_redirects=False) as person:
        page = person.get(link)
        assert "Confirm my subscription" in page.text
        confirmed = person.post(link, data={"csrf_token": csrf_of(person)})
        assert 'data-testid="confirmed"' in confirmed.text
    assert may_mail("jo@example.org")
    with session_scope() as db:
        record = db.exec(
            select(ConsentRecord).where(ConsentRecord.address == "jo@example.org")
        ).one()
    assert record.confirmed_at and record.text_shown.startswith("I want to receive the newsletter")
    assert record.text_sha256 and record.form.startswith("newsletter sign-up")


def post_returned(app, name: str, token: str):
    raw = (FIXTURES / name).read_bytes().replace(b"TOKEN", token.encode())
    with TestClient(app) as relay:
        hook = f"/webhooks/email/bounces/{tokens.token('bounce webhook')}"
        assert relay.post("/webhooks/email/bounces/guess", content=raw).status_code == 404
        return relay.post(hook, content=raw).text


def suppressed(email: str = "lucia@example.org") -> list[str]:
    with session_scope() as db:
        query = select(Suppression.reason).where(
            Suppression.address == email, Suppression.channel == MessageChannel.email
        )
        return [str(r) for r in db.exec(query)]


def test_a_hard_bounce_suppresses_the_address_and_soft_ones_only_after_the_limit(practice, app):
    token = sent_to_lucia(practice)
    for _ in range(2):
        assert post_returned(app, "soft_bounce.eml", token) == "soft_bounce"
    assert suppressed() == [] and may_mail()
    assert post_returned(app, "soft_bounce.eml", token) == "soft_bounce"  # the third: the limit
    assert suppressed() == ["bounced"] and not may_mail()


def test_a_hard_bounce_fixture_suppresses_at_once(practice, app):
    token = sent_to_lucia(practice)
    assert post_returned(app, "hard_bounce.eml", token) == "hard_bounce"
    assert suppressed() == ["bounced"] and not may_mail()


def test_a_complaint_suppresses_and_withdraws_the_consent(practice, app):
    token = sent_to_lucia(practice)
    assert post_returned(app, "complaint.eml", token) == "complaint"
    assert suppressed() == ["complaint"] and choices() == ["granted", "withdrawn"]


def unsubscribe_mail(to: str) -> bytes:
    """What a mail client sends for the List-Unsubscribe mailto, as the server delivers it."""
    return (
        f"Delivered-To: {to}\r\nFrom: Lucía <lucia@example.org>\r\nTo: {to}\r\n"
        "Subject: unsubscribe\r\n\r\n\r\n"
    ).encode()


def test_an_email_to_the_list_unsubscribe_mailto_withdraws_the_consent(practice, smtp, app):
    sent_to_lucia(practice)
    header = " ".join(smtp.received[0].message["List-Unsubscribe"].split())
    to = re.search(r"<mailto:([^?>]+)\?subject=unsubscribe>", header).group(1)
    with TestClient(app) as relay:
        hook = f"/webhooks/email/bounces/{tokens.token('bounce webhook')}"
        assert relay.post(hook, content=unsubscribe_mail(to)).text == "unsubscribe"
        assert not may_mail() and choices() == ["granted", "withdrawn"]
        assert relay.post(hook, content=unsubscribe_mail(to)).text == "unsubscribe"
        forged = unsubscribe_mail("unsubscribe+" + "A" * 22 + "@mail.clinica.example")
        assert relay.post(hook, content=forged).text == "ignored"
    assert choices() == ["granted", "withdrawn"]  # once
    with session_scope() as db:
        record = db.exec(select(ConsentRecord).order_by(ConsentRecord.id.desc())).first()
    assert record.form == "e-mail unsubscribe"


def test_settings_page_shows_dns_records_and_keeps_secrets_encrypted(practice, login_as):
    client, _user, _csrf = login_as(Role.admin)
    page = client.get("/email/settings").text
    assert "cp2026._domainkey.clinica.example" in page and "v=DKIM1; k=rsa; p=" in page
    assert "v=spf1" in page and "_dmarc.clinica.example" in page
    assert "BEGIN PRIVATE KEY" not in page
    with session_scope() as db:
        row = db.get(EmailSettings, 1)
    assert "BEGIN" not in row.dkim_key_encrypted


def test_opens_are_counted_only_when_the_practice_turns_tracking_on_and_once_a_recipient(
    practice, smtp, app
):
    from app.newsletters import config, results
    from tests.newsletters.conftest import practice_settings

    token = sent_to_lucia(practice)
    [first] = smtp.received
    assert "/o/" not in first.message.get_body(("html",)).get_content()  # off by default

    with session_scope() as db:
        on = practice_settings(host="127.0.0.1", port=smtp.port, track_opens=True)
        config.save(db=db, data=on, actor=practice)
    subscriber("Pablo Ruiz", "pablo@example.org")
    letter = newsletter(practice)
    send_newsletter(practice, letter)
    engine.tick(worker="test", only=[email_kind()])
    second = smtp.received[-1]
    token = second.mail_from.split("+", 1)[1].split("@", 1)[0]  # bounces+TOKEN@
    assert f'src="https://clinic.example/o/{token}.gif"' in (
        second.message.get_body(("html",)).get_content()
    )
    with TestClient(app) as mail_program:
        for _ in range(2):
            image = mail_program.get(f"/o/{token}.gif")
            assert image.status_code == 200 and image.headers["content-type"] == "image/gif"
        assert mail_program.get("/o/" + "A" * 22 + ".gif").status_code == 200  # nobody's
    with session_scope() as db:
        assert results.figures(db=db, newsletter_id=letter)["opens"] == 1


def test_a_paused_newsletter_skips_the_person_until_they_resume_and_keeps_the_consent(
    practice, smtp, app
):
    token = sent_to_lucia(practice)
    with TestClient(app, follow_redirects=False) as reader:
        csrf = csrf_of(reader)
        page = reader.get(f"/p/{token}")
        assert page.status_code == 200 and f'action="/p/{token}/pause"' in page.text
        assert (
            reader.post(f"/p/{token}/pause", data={"csrf_token": csrf, "months": "7"}).status_code
            == 422
        )
        assert reader.post(f"/p/{token}/pause", data={"months": "3"}).status_code in (400, 403)
        paused = reader.post(f"/p/{token}/pause", data={"csrf_token": csrf, "months": "3"})
        assert paused.status_code == 303
        assert 'data-testid="paused"' in reader.get(f"/p/{token}").text
    letter = newsletter(practice)
    send_newsletter(practice, letter)
    engine.tick(worker="test", only=[email_kind()])
    assert len(smtp.received) == 1  # only the first newsletter, before the pause
    assert may_mail()  # the consent stands: a pause is not an opt-out
    skipped = [r for r in outbound() if r.newsletter_id == letter]
    assert [(r.status, r.error) for r in skipped] == [
        (EmailStatus.skipped, "the person paused the newsletter")
    ]
    with TestClient(app, follow_redirects=False) as reader:
        csrf = csrf_of(reader)
        reader.post(f"/p/{token}/pause", data={"csrf_token": csrf, "months": "0"})
        assert 'data-testid="paused"' not in reader.get(f"/p/{token}").text
    send_newsletter(practice, newsletter(practice, body="Otra vez, {nombre}."))
    engine.tick(worker="test", only=[email_kind()])
    assert len(smtp.received) == 2
