"""The bounce mailbox read over IMAP with TLS: bounces and unsubscribe e-mails handled like the
webhook's, each message once, then deleted from the mailbox."""

from collections import Counter
from pathlib import Path

from sqlmodel import select

from app.clock import utcnow
from app.database import session_scope
from app.delivery import engine
from app.newsletters import config
from app.newsletters.inbox import read_mailbox
from app.newsletters.models import EmailSettings
from tests.newsletters.conftest import (
    email_kind,
    newsletter,
    outbound,
    practice_settings,
    send_newsletter,
    subscriber,
)
from tests.newsletters.imap_server import Mailbox, start
from tests.newsletters.smtp_server import self_signed
from tests.newsletters.test_compliance import choices, may_mail, suppressed, unsubscribe_mail

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_bounce_mailbox_is_read_once_and_emptied(practice, smtp):
    server_tls, client_tls = self_signed()
    box = Mailbox("bounces@clinica.example", "imap-s3cret")
    imap = start(box, server_tls)
    try:
        with session_scope() as db:
            data = practice_settings(
                host="127.0.0.1",
                port=smtp.port,
                imap_host="127.0.0.1",
                imap_port=imap.server_address[1],
                imap_username=box.user,
                imap_password=box.password,
            )
            config.save(db=db, data=data, actor=practice)
        subscriber()
        subscriber("Ana", "ana@example.org")
        send_newsletter(practice, newsletter(practice))
        engine.tick(worker="test", only=[email_kind()])
        token = {row.to_address: row.token for row in outbound()}
        hard = (FIXTURES / "hard_bounce.eml").read_bytes()
        box.deliver(hard.replace(b"TOKEN", token["lucia@example.org"].encode()))
        box.deliver(
            unsubscribe_mail(f"unsubscribe+{token['ana@example.org']}@mail.clinica.example")
        )
        box.deliver(b"From: someone@example.net\r\nSubject: hello\r\n\r\nJust saying hi.\r\n")
        outcome = read_mailbox(now=utcnow(), context=client_tls)
        assert outcome == Counter({"hard_bounce": 1, "unsubscribe": 1, "ignored": 1})
        assert box.messages == {}  # seen, deleted and expunged
        assert suppressed() == ["bounced"] and not may_mail()
        assert choices("ana@example.org") == ["granted", "withdrawn"]
        # The same bounce read again (the mailbox was not told in time): handled once only.
        box.deliver(hard.replace(b"TOKEN", token["lucia@example.org"].encode()))
        assert read_mailbox(now=utcnow(), context=client_tls) == Counter({"duplicate": 1})
        assert read_mailbox(now=utcnow(), context=client_tls) == Counter()
    finally:
        imap.shutdown()
    with session_scope() as db:
        row = db.exec(select(EmailSettings)).one()
    assert row.imap_password_encrypted and box.password not in row.imap_password_encrypted
