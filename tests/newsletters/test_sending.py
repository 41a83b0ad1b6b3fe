"""Newsletters go out through the one delivery engine to a real SMTP server: one message per
recipient, with the headers that let mailbox providers trust it and let people leave in one click."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

from aiosmtpd.smtp import AuthResult
from sqlalchemy import update

from app.clock import utcnow
from app.database import session_scope
from app.delivery import engine
from app.newsletters.models import EmailStatus, OutboundEmail
from connectors.email import OutgoingEmail, SmtpConfig, SmtpConnector
from tests.newsletters.conftest import (
    dkim_valid,
    email_kind,
    newsletter,
    outbound,
    send_newsletter,
    subscriber,
)
from tests.newsletters.smtp_server import Handler, self_signed, start


def run_engine() -> engine.TickResult:
    return engine.tick(worker="test", only=[email_kind()])


def test_each_opted_in_recipient_gets_one_signed_message_with_one_click_unsubscribe(practice, smtp):
    lucia = subscriber()
    subscriber("Sin Permiso", "nope@example.org", opted_in=False)
    letter = newsletter(practice)
    assert send_newsletter(practice, letter) == 1
    assert run_engine().published == 1
    assert run_engine().claimed == 0
    [got] = smtp.received
    mail = got.message
    row = outbound()[0]
    assert row.status == EmailStatus.sent and row.contact_id == lucia
    assert got.rcpt_tos == ["lucia@example.org"]
    assert got.mail_from == f"bounces+{row.token}@mail.clinica.example"
    assert mail["From"] == "Clínica Norte <hola@clinica.example>"
    assert mail["Reply-To"] == "consultas@clinica.example"
    assert " ".join(mail["List-Unsubscribe"].split()) == (
        f"<https://clinic.example/u/{row.token}>, "
        f"<mailto:unsubscribe+{row.token}@mail.clinica.example?subject=unsubscribe>"
    )
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    signature = mail["DKIM-Signature"]
    signed = re.search(r"h=([^;]+)", str(signature).replace(" ", "")).group(1).lower().split(":")
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject"} <= set(signed)
    assert dkim_valid(got.raw)
    assert not dkim_valid(
        got.raw.replace(b"<https://clinic.example/u/", b"<https://evil.example/u/", 1)
    )
    assert not dkim_valid(got.raw.replace(b"Unsubscribe=One-Click", b"Unsubscribe=Two-Clicks", 1))
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Hola Lucía Gómez." in text and "Hola Lucía Gómez." in html
    assert f"https://clinic.example/u/{row.token}" in text and "CIF B12345678" in text
    assert f'href="https://clinic.example/u/{row.token}"' in html and "CIF B12345678" in html
    assert 'style="' in html and "<style>" not in html  # CSS inlined for mail clients
    [tracked] = re.findall(r'href="(https://clinic.example/c/[^"]+)"', html)
    query = parse_qs(urlsplit(tracked.replace("&amp;", "&")).query)
    assert unquote(query["u"][0]) == "https://clinica.example/guia" and query["s"]


def test_a_4xx_answer_is_retried_later_and_a_5xx_fails_the_message(practice, smtp):
    subscriber("Ana", "ana@example.org")
    subscriber("Bea", "bea@example.org")
    send_newsletter(practice, newsletter(practice))
    smtp.refusals = {
        "ana@example.org": "451 4.3.0 try again later",
        "bea@example.org": "550 5.1.1 no such user",
    }
    run_engine()
    rows = {r.to_address: r for r in outbound()}
    assert rows["ana@example.org"].status == EmailStatus.pending
    assert rows["ana@example.org"].smtp_code == 451 and rows["ana@example.org"].next_attempt_at
    assert rows["bea@example.org"].status == EmailStatus.failed
    assert rows["bea@example.org"].smtp_code == 550
    assert smtp.received == []


def test_a_lost_claim_never_handed_over_is_sent_again_and_one_handed_over_is_not(practice, smtp):
    subscriber("Ana", "ana@example.org")
    subscriber("Bea", "bea@example.org")
    send_newsletter(practice, newsletter(practice))
    kind = email_kind()
    ids = kind.claim(worker="dead-worker", now=utcnow(), limit=10)
    jobs = kind.load(ids=ids, claim="dead-worker")
    assert kind.still_wanted(jobs[0], None)  # handed over, then the worker died
    with session_scope() as db:
        db.execute(update(OutboundEmail).values(lease_until=utcnow() - timedelta(seconds=1)))
    run_engine()
    rows = {r.id: r for r in outbound()}
    assert rows[jobs[0].message_id].status == EmailStatus.uncertain
    assert rows[jobs[1].message_id].status == EmailStatus.sent
    assert [r.rcpt_tos for r in smtp.received] == [[jobs[1].to]]


def test_starttls_and_implicit_tls_carry_the_login_encrypted():
    server_tls, client_tls = self_signed()
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    message = OutgoingEmail(
        "bounces+t@example.org", "a@example.org", b"Subject: hi\r\n\r\nbody\r\n"
    )
    for security, options in (
        ("starttls", {"tls_context": server_tls, "require_starttls": True}),
        # aiosmtpd only counts STARTTLS as TLS for AUTH; here the whole connection is TLS.
        ("tls", {"ssl_context": server_tls, "auth_require_tls": False}),
    ):
        handler = Handler()
        controller = start(handler, authenticator=authenticate, auth_required=True, **options)
        try:
            connector = SmtpConnector(
                SmtpConfig(
                    "127.0.0.1",
                    controller.port,
                    security,
                    "clinic",
                    "s3cret",
                    tls_context=client_tls,
                )
            )
            connector.send(message)
            connector.send(message)  # the same connection, reused
            connector.close()
        finally:
            controller.stop()
        assert [r.rcpt_tos for r in handler.received] == [["a@example.org"]] * 2
    assert logins == [(b"clinic", b"s3cret")] * 2
