"""A practice with e-mail settings, contacts who opted in, and a real SMTP server on loopback."""

from datetime import timedelta

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import select

from app.accounts.models import Role
from app.clock import utcnow
from app.contacts.models import (
    ConsentAction,
    ConsentRecord,
    Contact,
    Language,
    MessageChannel,
    Purpose,
)
from app.database import session_scope
from app.newsletters import config
from app.newsletters import service as newsletters
from app.newsletters.models import OutboundEmail
from app.newsletters.outbound import EmailMessages, _from_settings
from app.newsletters.schemas import EmailSettingsIn, NewsletterIn
from tests.messaging import messaging  # noqa: F401 - fixture
from tests.newsletters.smtp_server import Handler, start

DKIM_KEY = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)
PRACTICE = "Clínica Norte, Calle Mayor 1, 28001 Madrid, CIF B12345678"


@pytest.fixture
def smtp():
    handler = Handler()
    controller = start(handler)
    handler.port = controller.port
    yield handler
    controller.stop()


def practice_settings(
    *, host: str | None, port: int = 587, security: str = "none", **extra
) -> EmailSettingsIn:
    return EmailSettingsIn(
        host=host,
        port=port,
        security=security,
        from_name="Clínica Norte",
        from_address="hola@clinica.example",
        reply_to="consultas@clinica.example",
        bounce_domain="mail.clinica.example",
        practice_identity=PRACTICE,
        dkim_selector="cp2026",
        dkim_private_key=DKIM_KEY.decode(),
        **extra,
    )


@pytest.fixture
def practice(messaging, make_user, smtp):  # noqa: F811 - the imported fixture
    """E-mail settings pointing at the test server, with a DKIM key."""
    admin = make_user(Role.admin)
    with session_scope() as db:
        config.save(db=db, data=practice_settings(host="127.0.0.1", port=smtp.port), actor=admin)
    return admin


def dns_for_tests(name: bytes, timeout: int = 5) -> bytes:
    """The DKIM record the settings page tells the practice to publish, as DNS would answer it."""
    with session_scope() as db:
        records = config.dns_records(config.current(db))
    wanted = name.decode().rstrip(".")
    return next(r.value for r in records if r.name == wanted).encode()


def dkim_valid(raw: bytes) -> bool:
    return dkim.verify(raw, dnsfunc=dns_for_tests)


def subscriber(
    name: str = "Lucía Gómez",
    email: str = "lucia@example.org",
    *,
    language=Language.es,
    tags=(),
    opted_in=True,
) -> int:
    with session_scope() as db:
        contact = Contact(name=name, email=email, language=language, tags=list(tags))
        db.add(contact)
        db.flush()
        if opted_in:
            db.add(
                ConsentRecord(
                    contact_id=contact.id,
                    purpose=Purpose.newsletters,
                    channel=MessageChannel.email,
                    action=ConsentAction.granted,
                    address=email,
                    at=utcnow() - timedelta(days=1),
                    form="test",
                    confirmed_at=utcnow() - timedelta(days=1),
                )
            )
        return contact.id


def newsletter(
    admin,
    *,
    body: str = "Hola {nombre}. Lee [nuestra guía](https://clinica.example/guia).",
    **extra,
) -> int:
    data = NewsletterIn(
        subject="Novedades de noviembre", preheader="Vacunas y horarios", body=body, **extra
    )
    with session_scope() as db:
        return newsletters.save(db=db, data=data, actor=admin).id


def send_newsletter(admin, newsletter_id: int) -> int:
    with session_scope() as db:
        return newsletters.queue(db=db, newsletter_id=newsletter_id, actor=admin, now=utcnow())


def email_kind() -> EmailMessages:
    kind = _from_settings()
    assert kind is not None
    return kind


def outbound() -> list[OutboundEmail]:
    with session_scope() as db:
        return list(db.exec(select(OutboundEmail).order_by(OutboundEmail.id)))
