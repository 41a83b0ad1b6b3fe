"""Several worker processes on PostgreSQL send a newsletter through the one engine to a real SMTP
server: each recipient mailed exactly once, even when a worker is killed mid-campaign."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, insert
from sqlmodel import select

from app.accounts.models import Role
from app.clock import utcnow
from app.contacts.models import ConsentRecord, Contact
from app.database import session_scope
from app.newsletters import config, tokens
from app.newsletters.models import EmailStatus, Newsletter, NewsletterStatus, OutboundEmail
from app.newsletters.schemas import EmailSettingsIn
from scheduler.dispatcher import tick
from tests.delivery.workers import (
    errors_in,
    expire_leases,
    kill_when,
    postgresql_only,
    run_workers,
)
from tests.newsletters.conftest import PRACTICE

__all__ = ["postgresql_only"]


def seed_campaign(count: int, admin_id: int) -> None:
    """`count` opted-in contacts and one newsletter queued to all of them, inserted in bulk."""
    now = utcnow() - timedelta(seconds=1)
    with session_scope() as db:
        letter = Newsletter(
            subject="Novedades",
            body="Hola {nombre}.",
            status=NewsletterStatus.sending,
            created_at=now,
        )
        db.add(letter)
        db.flush()
        people = [
            {
                "name": f"Paciente {n}",
                "email": f"p{n}@example.org",
                "language": "es",
                "tags": [],
                "created_at": now,
            }
            for n in range(count)
        ]
        ids = [row[0] for row in db.execute(insert(Contact).returning(Contact.id), people)]
        db.execute(
            insert(ConsentRecord),
            [
                {
                    "contact_id": cid,
                    "purpose": "newsletters",
                    "channel": "email",
                    "action": "granted",
                    "address": p["email"],
                    "at": now,
                    "confirmed_at": now,
                }
                for cid, p in zip(ids, people, strict=True)
            ],
        )
        db.execute(
            insert(OutboundEmail),
            [
                {
                    "kind": "newsletter",
                    "newsletter_id": letter.id,
                    "contact_id": cid,
                    "to_address": p["email"],
                    "language": "es",
                    "token": tokens.token("newsletter", str(letter.id), str(cid)),
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                    "due_at": now,
                    "needs_reconcile": False,
                }
                for cid, p in zip(ids, people, strict=True)
            ],
        )


def statuses() -> Counter:
    with session_scope() as db:
        rows = db.exec(select(OutboundEmail.status, func.count()).group_by(OutboundEmail.status))
        return Counter({str(status): n for status, n in rows})


def handed_over() -> int:
    with session_scope() as db:
        return db.exec(
            select(func.count()).where(
                OutboundEmail.status == EmailStatus.sending,
                OutboundEmail.handed_at.is_not(None),  # type: ignore[union-attr]
            )
        ).one()


def point_at(smtp, admin) -> None:
    """The practice's settings: the test server, no DKIM key, no rate limit to speak of."""
    data = EmailSettingsIn(
        host="127.0.0.1",
        port=smtp.port,
        security="none",
        from_name="Clínica Norte",
        from_address="hola@clinica.example",
        bounce_domain="mail.clinica.example",
        practice_identity=PRACTICE,
        rate_per_second=1000,
    )
    with session_scope() as db:
        config.save(db=db, data=data, actor=admin)


def test_four_worker_processes_mail_2000_recipients_exactly_once(
    postgresql_only, messaging, smtp, make_user, tmp_path
):
    admin = make_user(Role.admin)
    point_at(smtp, admin)
    seed_campaign(2000, admin.id)
    log = tmp_path / "workers.log"
    finished = run_workers(4, postgresql_only, log, lambda: statuses()["sent"] == 2000)
    assert finished, (statuses(), len(smtp.received), errors_in(log))
    mailed = Counter(to for got in smtp.received for to in got.rcpt_tos)
    assert len(mailed) == 2000 and set(mailed.values()) == {1}


def test_a_worker_killed_mid_campaign_mails_nobody_twice_and_skips_nobody(
    postgresql_only, messaging, smtp, make_user, tmp_path
):
    admin = make_user(Role.admin)
    point_at(smtp, admin)
    seed_campaign(20, admin.id)
    log = tmp_path / "doomed.log"
    # Killed once the server took its eight messages, all handed over and none recorded.
    kill_when(
        "tests/newsletters/crash_email_worker.py",
        postgresql_only,
        log,
        lambda: len(smtp.received) == 8 and handed_over() == 8,
    )
    before = {to for got in smtp.received for to in got.rcpt_tos}
    assert statuses()["sending"] == 12  # eight handed over, four claimed and never checked
    expire_leases("outboundemail")
    assert tick().recovered == 12
    while tick().claimed:
        pass
    mailed = Counter(to for got in smtp.received for to in got.rcpt_tos)
    assert len(mailed) == 20 and set(mailed.values()) == {1}
    # SMTP cannot be asked what it took: the eight are left for a person, never sent again.
    with session_scope() as db:
        uncertain = set(
            db.exec(
                select(OutboundEmail.to_address).where(
                    OutboundEmail.status == EmailStatus.uncertain
                )
            )
        )
    assert uncertain == before
    assert statuses() == Counter({"sent": 12, "uncertain": 8})
