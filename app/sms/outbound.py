"""Outbound SMS as one kind of the delivery engine's messages, sent through the configured provider.

CAREPOST_SMS_PROVIDER chooses the adapter: `phone` (the local phone, the default), `twilio` or
`kannel`, each with its own settings. The engine claims `OutboundSms` rows, asks
`service.still_wanted` just before sending (a cancelled appointment, BAJA or a suppression that
arrived after the claim wins), sends, and settles an unknown outcome with the provider's
`find_sent` before any resend, else marks the message `uncertain`.
"""

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.database import get_engine, session_scope
from app.delivery import engine
from app.settings import Settings, get_settings
from app.sms import service, settling
from app.sms.models import OutboundSms, SmsStatus
from app.sms.phone import DatabasePhone
from connectors.base import ChannelError, ErrorKind
from connectors.sms import OutgoingSms, SentSms, SmsConnector

log = logging.getLogger("carepost.sms")


@dataclass(frozen=True)
class SmsJob:
    message_id: int
    claim: str
    outgoing: OutgoingSms
    since: datetime  # the first claim: a copy sent since then may be this message's
    attempts: int
    needs_reconcile: bool


def connector(settings: Settings) -> SmsConnector | None:
    """The adapter CAREPOST_SMS_PROVIDER names; None when its settings are incomplete."""
    if settings.sms_provider == "phone":
        from connectors.phone import PhoneConnector

        return PhoneConnector(DatabasePhone(get_engine()))
    if settings.sms_provider == "twilio":
        from connectors.twilio_sms import TwilioSmsConnector

        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            return None
        if not (settings.twilio_messaging_service_sid or settings.twilio_from):
            return None
        return TwilioSmsConnector(
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            messaging_service_sid=settings.twilio_messaging_service_sid,
            from_number=settings.twilio_from,
            status_callback=f"{settings.public_url}/webhooks/twilio/status",
            connections=settings.sms_concurrency,
        )
    from connectors.kannel import KannelConnector

    if not (settings.kannel_sendsms_url and settings.kannel_username and settings.kannel_password):
        return None
    return KannelConnector(
        settings.kannel_sendsms_url,
        settings.kannel_username,
        settings.kannel_password.get_secret_value(),
        sender=settings.kannel_sender,
        dlr_url=f"{settings.public_url}/webhooks/kannel/dlr",
        secret=settings.kannel_secret.get_secret_value() if settings.kannel_secret else None,
    )


def _owned(job: SmsJob):
    return (
        OutboundSms.id == job.message_id,
        OutboundSms.claimed_by == job.claim,
        OutboundSms.status == SmsStatus.sending,
    )


_RELEASED = {"claimed_by": None, "lease_until": None}
# In a connection's info: the ids `record_sent_many` wrote in the connection's transaction.
_MARKED = "sms_marked_sent"


class SmsMessages:
    """Claim, load, check, send and record `OutboundSms` rows."""

    name = "sms"
    uses_connection = False  # each step is its own short transaction: none is held while sending

    def __init__(
        self,
        adapter: SmsConnector,
        *,
        concurrency: int = 1,
        rate_per_second: float = 0,
        connections: int = 8,
    ):
        self.adapter = adapter
        self.concurrency = concurrency  # requests in flight per worker process
        if hasattr(adapter, "send_async"):
            # The adapter waits on the provider in the event loop: no thread per request.
            self.send_async = self._send_async
        self.limiter = engine.RateLimiter(rate_per_second) if rate_per_second > 0 else None
        # Many requests wait on the provider at once, but only a few database transactions run at
        # once: the database's connections are shared by every worker process.
        self.connections = threading.BoundedSemaphore(connections)

    @contextmanager
    def _db(self):
        with self.connections, session_scope() as db:
            yield db

    def prepare(self, *, now: datetime) -> int:
        """Claims whose lease ran out go back to pending, to be looked up before any resend."""
        with self._db() as db:
            return db.execute(
                update(OutboundSms)
                .where(OutboundSms.status == SmsStatus.sending, OutboundSms.lease_until < now)
                .values(
                    status=SmsStatus.pending,
                    needs_reconcile=True,
                    next_attempt_at=now,
                    **_RELEASED,
                )
            ).rowcount

    def claim(self, *, worker: str, now: datetime, limit: int) -> list[int]:
        """Up to `limit` due messages, pending -> sending with a lease; SKIP LOCKED on PostgreSQL."""
        lease = now + timedelta(seconds=get_settings().dispatch_lease_seconds)
        due = (
            select(OutboundSms.id)
            .where(
                OutboundSms.status == SmsStatus.pending,
                OutboundSms.due_at <= now,
                or_(col(OutboundSms.next_attempt_at).is_(None), OutboundSms.next_attempt_at <= now),
            )
            .order_by(OutboundSms.due_at, OutboundSms.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due_sms")
        )
        statement = (
            update(OutboundSms)
            .where(OutboundSms.id == due.c.id, OutboundSms.status == SmsStatus.pending)
            .values(
                status=SmsStatus.sending,
                claimed_by=worker,
                lease_until=lease,
                attempts=OutboundSms.attempts + 1,
                claimed_at=func.coalesce(OutboundSms.claimed_at, now),
            )
            .returning(OutboundSms.id)
            .execution_options(synchronize_session=False)
        )
        with self._db() as db:
            return [row[0] for row in db.execute(statement)]

    def load(self, *, ids: list[int], claim: str) -> list[SmsJob]:
        with self._db() as db:
            # Plain rows, not ORM objects: only what the send and its decisions need.
            rows = db.execute(
                select(
                    OutboundSms.id,
                    OutboundSms.to_phone,
                    OutboundSms.body,
                    OutboundSms.claimed_at,
                    OutboundSms.created_at,
                    OutboundSms.attempts,
                    OutboundSms.needs_reconcile,
                ).where(
                    col(OutboundSms.id).in_(ids),
                    OutboundSms.claimed_by == claim,
                    OutboundSms.status == SmsStatus.sending,
                )
            ).all()
            return [
                SmsJob(
                    m.id,
                    claim,
                    service.outgoing(m),
                    m.claimed_at or m.created_at,
                    m.attempts,
                    m.needs_reconcile,
                )
                for m in rows
            ]

    def still_wanted_many(self, jobs: list[SmsJob]) -> list[SmsJob]:
        """`still_wanted` for a chunk about to be sent, in one transaction."""
        now = utcnow()
        by_id = {job.message_id: job for job in jobs}
        with self._db() as db:
            owned = db.exec(
                select(OutboundSms)
                .where(
                    col(OutboundSms.id).in_(by_id),
                    col(OutboundSms.claimed_by).in_({job.claim for job in jobs}),
                    OutboundSms.status == SmsStatus.sending,
                )
                .with_for_update()
            ).all()
            # A row under another claim was lost (its lease ran out and another worker took it).
            owned = [m for m in owned if m.claimed_by == by_id[m.id].claim]
            decisions = service.still_wanted_many(db, owned, now)
            wanted = set()
            for message in owned:
                decision = decisions[message.id]
                if decision:
                    wanted.add(message.id)
                    continue
                message.claimed_by, message.lease_until = None, None
                service.skip(db, message, decision, now)
        return [job for job in jobs if job.message_id in wanted]

    def still_wanted(self, job: SmsJob, conn) -> bool:
        """Read the appointment, consent and suppressions now: what changed after the claim wins."""
        now = utcnow()
        with self._db() as db:
            message = db.exec(select(OutboundSms).where(*_owned(job)).with_for_update()).first()
            if message is None:
                return False  # the claim was lost (its lease ran out and another worker took it)
            decision = service.still_wanted(db, message, now)
            if decision:
                return True
            message.claimed_by, message.lease_until = None, None
            service.skip(db, message, decision, now)
            return False

    def needs_reconcile(self, job: SmsJob) -> bool:
        return job.needs_reconcile

    def attempts(self, job: SmsJob) -> int:
        return job.attempts

    def find(self, job: SmsJob) -> list[SentSms]:
        found = self.adapter.find_sent(job.outgoing, job.since)
        return [found] if found else []

    def match(self, job: SmsJob, found: list[SentSms], conn) -> SentSms | None:
        """The provider's copy is this message's unless another message holds it already: then
        carepost cannot tell whether this one went out, and a person checks."""
        sent = found[0]
        with self._db() as db:
            taken = db.exec(
                select(OutboundSms.id).where(
                    OutboundSms.provider == self.adapter.kind,
                    OutboundSms.provider_sid == sent.remote_id[:64],
                    OutboundSms.id != job.message_id,
                )
            ).first()
        if taken is not None:
            raise engine.Undecided(
                ChannelError(
                    ErrorKind.final,
                    "the provider holds a message with this text to this number, but it belongs "
                    "to another SMS; check before sending again",
                    code="ambiguous",
                )
            )
        return sent

    def send(self, job: SmsJob) -> SentSms:
        return self.adapter.send(job.outgoing)

    async def _send_async(self, job: SmsJob) -> SentSms:
        return await self.adapter.send_async(job.outgoing)

    async def close_async(self) -> None:
        close = getattr(self.adapter, "close_async", None)
        if close is not None:
            await close()

    def record_sent_many(self, sent: list[tuple[SmsJob, SentSms]]) -> list[bool]:
        """What the provider accepted, written in one transaction (a crash before it commits
        leaves the claims to run out and be looked up)."""
        with self._db() as db:
            conn = db.connection()
            # One statement writes the common case for the whole batch; `record_sent` then settles
            # each message in the same transaction (the rest take the full path one by one).
            conn.info[_MARKED] = service.mark_sent_many(
                conn,
                [(job.message_id, job.claim, result) for job, result in sent],
                provider=self.adapter.kind,
                now=utcnow(),
            )
            try:
                return [
                    self.record_sent(job, result, conn, reconciled=False) for job, result in sent
                ]
            finally:
                del conn.info[_MARKED]

    def record_sent(self, job: SmsJob, result: SentSms, conn, *, reconciled: bool) -> bool:
        """Write success, in `conn`'s transaction when given; False when the claim was lost."""
        now = utcnow()
        if conn is None:
            with self._db() as db:
                return self._record_sent(db, job, result, now, reconciled=reconciled)
        if job.message_id in conn.info.get(_MARKED, ()):
            return True  # written by `record_sent_many`'s statement, in this transaction
        provider = self.adapter.kind
        if service.mark_sent(
            conn,
            message_id=job.message_id,
            claim=job.claim,
            sent=result,
            provider=provider,
            now=now,
        ):
            return True
        with Session(bind=conn) as db:
            return self._record_sent(db, job, result, now, reconciled=reconciled)

    def _record_sent(self, db: Session, job: SmsJob, result: SentSms, now, *, reconciled) -> bool:
        message = db.exec(select(OutboundSms).where(*_owned(job)).with_for_update()).first()
        if message is None:
            return False
        message.claimed_by, message.lease_until = None, None
        message.needs_reconcile, message.next_attempt_at = False, None
        service.record_sent(db, message, result, self.adapter.kind, now)
        db.flush()
        if reconciled:
            log.info("sms %s found sent on %s when reconciling", job.message_id, self.adapter.kind)
        return True

    def record_failure(self, job: SmsJob, error: ChannelError, failure: engine.Failure) -> str:
        now = utcnow()
        with self._db() as db:
            message = db.exec(select(OutboundSms).where(*_owned(job)).with_for_update()).first()
            if message is None:
                return "lost"
            service.record_error(db, message, error, now)
            message.claimed_by, message.lease_until = None, None
            if message.status == SmsStatus.failed and failure.status != "uncertain":
                pass  # a final refusal (opt-out, dead number): recorded by the service
            elif failure.status == "pending":
                message.status = SmsStatus.pending
                message.next_attempt_at = failure.next_attempt_at
                message.needs_reconcile = failure.needs_reconcile
                if failure.refund_attempt:
                    message.attempts -= 1
            else:
                message.status = SmsStatus(failure.status)
                message.error = failure.message[:300]
                if message.status == SmsStatus.uncertain:
                    settling.tell(db, message)
            db.add(message)
            log.warning("sms %s: %s (%s)", job.message_id, message.status, error.code or error.kind)
            return str(message.status)

    def finish_key(self, job: SmsJob) -> None:
        return None

    def finish(self, jobs: list[SmsJob]) -> None:
        return None


def _from_settings() -> SmsMessages | None:
    settings = get_settings()
    adapter = connector(settings)
    if adapter is None:
        log.warning(
            "SMS provider %s is not fully configured: no SMS are sent", settings.sms_provider
        )
        return None
    # The local phone answers at once from carepost's own database: no more in flight than
    # the database connections a worker uses.
    local = settings.sms_provider == "phone"
    return SmsMessages(
        adapter,
        concurrency=settings.dispatch_threads if local else settings.sms_concurrency,
        rate_per_second=settings.sms_rate_per_second,
        connections=settings.dispatch_threads,
    )


engine.register(SmsMessages.name, _from_settings)
