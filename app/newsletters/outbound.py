"""Outbound e-mail as one kind of the delivery engine's messages.

The engine claims `OutboundEmail` rows; just before a message is handed to the server the kind checks
opt-in and suppression again and marks the row `handed_at` in the same transaction. A claim lost
before that mark is simply sent again; one lost after it may have been accepted, so it is looked up
(the local mailbox can) or, where SMTP cannot tell, marked `uncertain` for a person, never resent.
"""

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, text, update
from sqlmodel import col, select

from app.clock import UTCDateTime, utcnow
from app.contacts.models import Contact
from app.database import among, get_engine, session_scope
from app.delivery import engine
from app.newsletters import config, render, service
from app.newsletters.mailbox import DatabaseMailbox
from app.newsletters.models import (
    EmailKind,
    EmailSettings,
    EmailStatus,
    Newsletter,
    NewsletterSignup,
    OutboundEmail,
)
from app.settings import get_settings
from connectors.base import ChannelError, ErrorKind
from connectors.email import OutgoingEmail, SentEmail, SmtpConnector
from connectors.mailbox import MailboxConnector

log = logging.getLogger("carepost.email")


@dataclass(frozen=True, slots=True)
class EmailJob:
    """What a worker holds of a claimed e-mail; the message itself is built just before sending."""

    message_id: int
    claim: str
    to: str
    token: str  # also the Message-ID's left part, by which a lost claim is looked up
    kind: EmailKind
    language: str
    name: str  # the contact's, for the greeting
    newsletter_id: int | None
    signup_token: str | None
    attempts: int
    needs_reconcile: bool
    replies: int | None = None  # a digest's count of new replies


def _owned(job: EmailJob):
    return (
        OutboundEmail.id == job.message_id,
        OutboundEmail.claimed_by == job.claim,
        OutboundEmail.status == EmailStatus.sending,
    )


_RELEASED = {"claimed_by": None, "lease_until": None}


# `record_sent_many` on PostgreSQL: the rows still under their claims, written at once. Rows are
# found by id (the primary key); each row's claim and server answer are read from the arrays at
# its id's position, so no join depends on what the planner guesses of the table.
_SENT_MANY = text(
    """
    UPDATE outboundemail AS m
    SET status = 'sent', sent_at = :now,
        remote_id = (CAST(:remotes AS varchar[]))[array_position(CAST(:ids AS integer[]), m.id)],
        error = NULL, smtp_code = NULL, claimed_by = NULL, lease_until = NULL,
        needs_reconcile = false, next_attempt_at = NULL
    WHERE m.id = ANY(CAST(:ids AS integer[])) AND m.status = 'sending'
      AND m.claimed_by = (CAST(:claims AS varchar[]))[array_position(CAST(:ids AS integer[]), m.id)]
    RETURNING m.id
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


class EmailMessages:
    """Claim, render, check, send and record `OutboundEmail` rows."""

    name = "email"
    uses_connection = False  # each step is its own short transaction: none is held while sending

    def __init__(
        self,
        adapter: SmtpConnector | MailboxConnector,
        practice: EmailSettings,
        *,
        threads: int = 4,
        concurrency: int = 200,
        connections: int = 8,
    ):
        self.adapter = adapter
        self.practice = practice
        self.signer = config.signer(practice)
        self.base_url = get_settings().public_url
        # `threads` SMTP connections, each carrying message after message; `concurrency` messages
        # claimed and in flight, so the database is read and written in chunks, not one by one.
        self.threads, self.concurrency = threads, max(threads, concurrency)
        self.limiter = (
            engine.RateLimiter(practice.rate_per_second) if practice.rate_per_second > 0 else None
        )
        self.connections = threading.BoundedSemaphore(connections)
        self._rendered: dict[int, render.Template] = {}

    @contextmanager
    def _db(self):
        with self.connections, session_scope() as db:
            yield db

    def prepare(self, *, now: datetime) -> int:
        """Expired claims go back to pending; those handed to the server are looked up first."""
        expired = (OutboundEmail.status == EmailStatus.sending, OutboundEmail.lease_until < now)
        with self._db() as db:
            handed = db.execute(
                update(OutboundEmail)
                .where(*expired, col(OutboundEmail.handed_at).is_not(None))
                .values(
                    status=EmailStatus.pending,
                    needs_reconcile=True,
                    next_attempt_at=now,
                    **_RELEASED,
                )
            ).rowcount
            untouched = db.execute(
                update(OutboundEmail)
                .where(*expired)
                .values(status=EmailStatus.pending, next_attempt_at=now, **_RELEASED)
            ).rowcount
            return handed + untouched

    def _room_this_hour(self, db, now: datetime, limit: int) -> int:
        cap = self.practice.rate_per_hour
        if not cap:
            return limit
        sent = db.exec(
            select(func.count()).where(
                col(OutboundEmail.handed_at) >= now - timedelta(hours=1),
            )
        ).one()
        return max(0, min(limit, cap - sent))

    def claim(self, *, worker: str, now: datetime, limit: int) -> list[int]:
        """Up to `limit` due e-mails, pending -> sending with a lease; SKIP LOCKED on PostgreSQL."""
        lease = now + timedelta(seconds=get_settings().dispatch_lease_seconds)
        with self._db() as db:
            limit = self._room_this_hour(db, now, limit)
            if not limit:
                return []
            due = (
                select(OutboundEmail.id)
                .where(
                    OutboundEmail.status == EmailStatus.pending,
                    OutboundEmail.due_at <= now,
                    or_(
                        col(OutboundEmail.next_attempt_at).is_(None),
                        OutboundEmail.next_attempt_at <= now,
                    ),
                )
                .order_by(OutboundEmail.due_at, OutboundEmail.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
                .cte("due_email")
            )
            statement = (
                update(OutboundEmail)
                .where(OutboundEmail.id == due.c.id, OutboundEmail.status == EmailStatus.pending)
                .values(
                    status=EmailStatus.sending,
                    claimed_by=worker,
                    lease_until=lease,
                    attempts=OutboundEmail.attempts + 1,
                    claimed_at=func.coalesce(OutboundEmail.claimed_at, now),
                )
                .returning(OutboundEmail.id)
                .execution_options(synchronize_session=False)
            )
            return [row[0] for row in db.execute(statement)]

    def _newsletter(self, db, newsletter_id: int) -> render.Template:
        """The newsletter rendered and encoded once for all its recipients."""
        if newsletter_id not in self._rendered:
            n = db.get(Newsletter, newsletter_id)
            self._rendered[newsletter_id] = render.template(
                render.render(
                    self.practice,
                    subject=n.subject,
                    preheader=n.preheader,
                    body=n.body,
                    language=n.language,
                )
            )
        return self._rendered[newsletter_id]

    def build(self, job: EmailJob) -> OutgoingEmail:
        """The whole message for one recipient (in a sending thread, not the database's)."""
        if job.kind == EmailKind.confirmation:
            url = f"{self.base_url}/n/confirm/{job.signup_token}"
            page = render.confirmation(self.practice, language=job.language, url=url)
            subject, html_part, text_part = page.subject, page.html, page.text
        elif job.kind == EmailKind.digest:
            page = render.digest(
                self.practice,
                language=job.language,
                replies=job.replies or 0,
                token=job.token,
                base_url=self.base_url,
            )
            subject, html_part, text_part = page.subject, page.html, page.text
        else:
            letter = self._rendered[job.newsletter_id]
            subject = render.personal_subject(letter.subject, job.name)
            mine = {"name": job.name, "token": job.token, "base_url": self.base_url}
            html_part, text_part = (
                render.fill(letter.html, **mine),
                render.fill(letter.text, **mine),
            )
        raw = render.message(
            self.practice,
            to=job.to,
            subject=subject,
            html_part=html_part,
            text_part=text_part,
            token=job.token,
            base_url=self.base_url,
            signer=self.signer,
            list_headers=job.kind != EmailKind.confirmation,
        )
        return OutgoingEmail(render.return_path(self.practice, job.token), job.to, raw)

    def load(self, *, ids: list[int], claim: str) -> list[EmailJob]:
        """The claimed rows with the contact's name and the sign-up's token, in one query of
        plain rows (no ORM objects: a newsletter loads thousands)."""
        email, contact, signup = (
            OutboundEmail.__table__,
            Contact.__table__,
            NewsletterSignup.__table__,
        )
        query = (
            select(
                email.c.id,
                email.c.to_address,
                email.c.token,
                email.c.kind,
                email.c.language,
                email.c.newsletter_id,
                email.c.attempts,
                email.c.needs_reconcile,
                email.c.replies,
                contact.c.name,
                signup.c.token.label("signup_token"),
            )
            .select_from(email)
            .outerjoin(contact, contact.c.id == email.c.contact_id)
            .outerjoin(signup, signup.c.id == email.c.signup_id)
            .where(email.c.claimed_by == claim, email.c.status == EmailStatus.sending)
            .order_by(email.c.id)
        )
        with self._db() as db:
            rows = db.execute(query.where(among(db, email.c.id, ids))).all()
            for newsletter_id in {r.newsletter_id for r in rows if r.newsletter_id}:
                self._newsletter(db, newsletter_id)
        return [
            EmailJob(
                row.id,
                claim,
                row.to_address,
                row.token,
                EmailKind(row.kind),
                str(row.language),
                row.name or "",
                row.newsletter_id,
                row.signup_token,
                row.attempts,
                row.needs_reconcile,
                row.replies,
            )
            for row in rows
        ]

    def _owned_rows(self, db, jobs: list[EmailJob]) -> list:
        """The chunk's rows still under their claims, locked: plain rows with the columns the
        send-time check reads (id, kind, contact_id, user_id, to_address), no ORM objects."""
        table = OutboundEmail.__table__
        rows = db.execute(
            select(
                table.c.id,
                table.c.claimed_by,
                table.c.kind,
                table.c.contact_id,
                table.c.user_id,
                table.c.to_address,
            )
            .where(
                among(db, table.c.id, [job.message_id for job in jobs]),
                table.c.status == EmailStatus.sending,
            )
            .with_for_update()
        ).all()
        # A row under another claim was lost (its lease ran out and another worker took it).
        claims = {job.message_id: job.claim for job in jobs}
        return [row for row in rows if row.claimed_by == claims[row.id]]

    def still_wanted_many(self, jobs: list[EmailJob]) -> list[EmailJob]:
        """Opt-in and suppression read now for a chunk about to be sent; the wanted rows are marked
        handed over in the same transaction, the others skipped."""
        now = utcnow()
        table = OutboundEmail.__table__
        with self._db() as db:
            rows = self._owned_rows(db, jobs)
            decisions = service.still_wanted_many(db, rows, now)
            wanted = [row.id for row in rows if decisions[row.id]]
            skipped = [
                {"row_id": row.id, "reason": str(decisions[row.id].reason)[:300]}
                for row in rows
                if not decisions[row.id]
            ]
            if wanted:
                db.execute(update(table).where(among(db, table.c.id, wanted)).values(handed_at=now))
            if skipped:
                db.connection().execute(
                    update(table)
                    .where(table.c.id == bindparam("row_id"))
                    .values(
                        status=EmailStatus.skipped,
                        error=bindparam("reason"),
                        claimed_by=None,
                        lease_until=None,
                    ),
                    skipped,
                )
        chosen = set(wanted)
        return [job for job in jobs if job.message_id in chosen]

    def still_wanted(self, job: EmailJob, conn) -> bool:
        """`still_wanted_many` for one message (the careful path)."""
        return bool(self.still_wanted_many([job]))

    def needs_reconcile(self, job: EmailJob) -> bool:
        return job.needs_reconcile

    def attempts(self, job: EmailJob) -> int:
        return job.attempts

    def find(self, job: EmailJob) -> list[SentEmail]:
        finder = getattr(self.adapter, "find_sent", None)
        if finder is None:
            raise ChannelError(
                ErrorKind.final,
                "the message may have been accepted by the mail server before the worker stopped, "
                "and SMTP cannot be asked; check the server's log before sending it again",
                code="ambiguous",
            )
        domain = config.sender_domain(self.practice)
        found = finder(job.to, f"<{job.token}@{domain}>")
        return [found] if found else []

    def match(self, job: EmailJob, found: list[SentEmail], conn) -> SentEmail | None:
        return found[0]  # the Message-ID names this row and no other

    def send(self, job: EmailJob) -> SentEmail:
        return self.adapter.send(self.build(job))

    def record_sent_many(self, sent: list[tuple[EmailJob, SentEmail]]) -> list[bool]:
        """What the server accepted, written in one transaction (a crash before it commits leaves
        the claims to run out: handed over, they are looked up, never resent blindly). Only rows
        still under their claims are written; on PostgreSQL by one statement for the whole batch."""
        now = utcnow()
        with self._db() as db:
            conn = db.connection()
            if conn.dialect.name == "postgresql":
                mine = set(
                    conn.execute(
                        _SENT_MANY,
                        {
                            "ids": [job.message_id for job, _ in sent],
                            "claims": [job.claim for job, _ in sent],
                            "remotes": [result.remote_id[:120] for _, result in sent],
                            "now": now,
                        },
                    ).scalars()
                )
                return [job.message_id in mine for job, _ in sent]
            table = OutboundEmail.__table__
            owned = conn.execute(
                select(table.c.id, table.c.claimed_by)
                .where(
                    table.c.id.in_([job.message_id for job, _ in sent]),
                    table.c.status == EmailStatus.sending,
                )
                .with_for_update()
            ).all()
            claims = {job.message_id: job.claim for job, _ in sent}
            mine = {row.id for row in owned if row.claimed_by == claims[row.id]}
            values = [
                {"row_id": job.message_id, "remote": result.remote_id[:120]}
                for job, result in sent
                if job.message_id in mine
            ]
            if values:
                conn.execute(
                    update(table)
                    .where(table.c.id == bindparam("row_id"))
                    .values(
                        status=EmailStatus.sent,
                        sent_at=now,
                        remote_id=bindparam("remote"),
                        error=None,
                        smtp_code=None,
                        claimed_by=None,
                        lease_until=None,
                        needs_reconcile=False,
                        next_attempt_at=None,
                    ),
                    values,
                )
        return [job.message_id in mine for job, _ in sent]

    def record_sent(self, job: EmailJob, result: SentEmail, conn, *, reconciled: bool) -> bool:
        return self.record_sent_many([(job, result)])[0]

    def record_failure(self, job: EmailJob, error: ChannelError, failure: engine.Failure) -> str:
        with self._db() as db:
            row = db.exec(select(OutboundEmail).where(*_owned(job)).with_for_update()).first()
            if row is None:
                return "lost"
            service.record_error(row, error)
            row.claimed_by, row.lease_until = None, None
            if error.kind == ErrorKind.retryable:
                row.handed_at = None  # the server took nothing: a lost claim may send it again
            if failure.status == "pending":
                row.status = EmailStatus.pending
                row.next_attempt_at = failure.next_attempt_at
                row.needs_reconcile = failure.needs_reconcile
                if failure.refund_attempt:
                    row.attempts -= 1
            else:
                row.status = EmailStatus(failure.status)
                row.error = failure.message[:300]
            db.add(row)
            log.warning("email %s: %s (%s)", job.message_id, row.status, error.code or error.kind)
            return str(row.status)

    def finish_key(self, job: EmailJob) -> int | None:
        return job.newsletter_id

    def finish(self, jobs: list[EmailJob]) -> None:
        newsletters = {job.newsletter_id for job in jobs if job.newsletter_id is not None}
        if newsletters:
            with self._db() as db:
                service.finish_sent_newsletters(db, newsletters)


def connector(practice: EmailSettings) -> SmtpConnector | MailboxConnector:
    """The practice's SMTP server, or the local mailbox when none is set."""
    smtp = config.smtp_config(practice)
    if smtp is None:
        return MailboxConnector(DatabaseMailbox(get_engine()))
    return SmtpConnector(smtp)


def _from_settings() -> EmailMessages | None:
    with session_scope() as db:
        practice = config.current(db)
        db.expunge_all()
    if not (practice.from_address and practice.from_name):
        return None  # nothing can go out before the practice says who it is
    settings = get_settings()
    return EmailMessages(
        connector(practice),
        practice,
        threads=settings.dispatch_threads,
        concurrency=max(200, settings.dispatch_batch_size),
        connections=settings.dispatch_threads,
    )


engine.register(EmailMessages.name, _from_settings)
