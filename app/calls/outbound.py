"""Outbound calls as one kind of the delivery engine's messages, placed through the voice provider.

CAREPOST_VOICE_PROVIDER chooses the adapter: `phone` (the browser phone, the default) or `twilio`.
The engine claims `OutboundCall` rows, asks `service.still_wanted` just before dialling (a
suppression or withdrawn consent that arrived after the claim wins; outside the sending hours the
call waits for them), places the call, and settles an unknown outcome by listing the provider's calls
to the number since the claim before any new dial, else marks the call `uncertain`.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, update
from sqlmodel import col, select

from app.appointments.service import sending_hours
from app.calls import service
from app.calls.models import CallCampaign, CallStatus, OutboundCall
from app.clock import utcnow
from app.contacts.models import Purpose
from app.database import get_engine, session_scope
from app.delivery import engine
from app.settings import Settings, get_settings
from connectors.base import ChannelError, ErrorKind
from connectors.voice import OutgoingCall, PlacedCall, VoiceConnector

log = logging.getLogger("carepost.calls")


@dataclass(frozen=True)
class CallJob:
    call_id: int
    claim: str
    outgoing: OutgoingCall
    since: datetime  # this dial's first claim: a call placed since then may be this one's
    attempts: int
    needs_reconcile: bool


def connector(settings: Settings) -> VoiceConnector | None:
    """The adapter CAREPOST_VOICE_PROVIDER names; None when its settings are incomplete."""
    if settings.voice_provider == "phone":
        from app.calls.phone import DatabaseCallPhone
        from connectors.voice_phone import BrowserPhoneConnector

        return BrowserPhoneConnector(DatabaseCallPhone(get_engine()))
    from connectors.twilio_voice import TwilioVoiceConnector

    if not (
        settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_voice_from
    ):
        return None
    return TwilioVoiceConnector(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        from_number=settings.twilio_voice_from,
    )


def webhook_url(call_id: int, step: str) -> str:
    return f"{get_settings().public_url}/webhooks/twilio/voice/{call_id}/{step}"


def outgoing(call: OutboundCall) -> OutgoingCall:
    """What the adapter dials: a survey hangs up on a machine, a message waits for the beep."""
    return OutgoingCall(
        to=call.to_phone,
        url=webhook_url(call.id, "answer"),
        status_callback=webhook_url(call.id, "status"),
        machine_detection="Enable" if call.purpose == Purpose.surveys else "DetectMessageEnd",
    )


def _owned(job: CallJob):
    return (
        OutboundCall.id == job.call_id,
        OutboundCall.claimed_by == job.claim,
        OutboundCall.status == CallStatus.sending,
    )


_RELEASED = {"claimed_by": None, "lease_until": None}


class CallDeliveries:
    """Claim, load, check, place and record `OutboundCall` rows."""

    name = "calls"
    uses_connection = False  # each step is its own short transaction: none is held while dialling

    def __init__(self, adapter: VoiceConnector, *, concurrency: int = 4):
        self.adapter = adapter
        self.concurrency = concurrency

    def prepare(self, *, now: datetime) -> int:
        """Claims whose lease ran out go back to pending, to be looked up before any new dial."""
        with session_scope() as db:
            return db.execute(
                update(OutboundCall)
                .where(OutboundCall.status == CallStatus.sending, OutboundCall.lease_until < now)
                .values(
                    status=CallStatus.pending,
                    needs_reconcile=True,
                    next_attempt_at=now,
                    **_RELEASED,
                )
            ).rowcount

    def claim(self, *, worker: str, now: datetime, limit: int) -> list[int]:
        """Up to `limit` due calls, pending -> sending with a lease; SKIP LOCKED on PostgreSQL."""
        lease = now + timedelta(seconds=get_settings().dispatch_lease_seconds)
        due = (
            select(OutboundCall.id)
            .where(
                OutboundCall.status == CallStatus.pending,
                OutboundCall.due_at <= now,
                or_(
                    col(OutboundCall.next_attempt_at).is_(None),
                    OutboundCall.next_attempt_at <= now,
                ),
            )
            .order_by(OutboundCall.due_at, OutboundCall.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due_calls")
        )
        statement = (
            update(OutboundCall)
            .where(OutboundCall.id == due.c.id, OutboundCall.status == CallStatus.pending)
            .values(
                status=CallStatus.sending,
                claimed_by=worker,
                lease_until=lease,
                attempts=OutboundCall.attempts + 1,
                claimed_at=func.coalesce(OutboundCall.claimed_at, now),
            )
            .returning(OutboundCall.id)
            .execution_options(synchronize_session=False)
        )
        with session_scope() as db:
            return [row[0] for row in db.execute(statement)]

    def load(self, *, ids: list[int], claim: str) -> list[CallJob]:
        with session_scope() as db:
            rows = db.exec(
                select(OutboundCall).where(
                    col(OutboundCall.id).in_(ids),
                    OutboundCall.claimed_by == claim,
                    OutboundCall.status == CallStatus.sending,
                )
            ).all()
            return [
                CallJob(
                    c.id,
                    claim,
                    outgoing(c),
                    c.claimed_at or c.created_at,
                    c.attempts,
                    c.needs_reconcile,
                )
                for c in rows
            ]

    def still_wanted(self, job: CallJob, conn) -> bool:
        """Consent, suppressions and the campaign read now; outside the hours the call waits."""
        now = utcnow()
        with session_scope() as db:
            call = db.exec(select(OutboundCall).where(*_owned(job)).with_for_update()).first()
            if call is None:
                return False  # the claim was lost (its lease ran out and another worker took it)
            campaign = db.get(CallCampaign, call.campaign_id) if call.campaign_id else None
            decision = service.still_wanted(db, call, now)
            if decision and campaign is not None and campaign.status != "scheduled":
                decision = service.Decision(False, "the campaign was cancelled")
            if decision and sending_hours_allow(now):
                return True
            call.claimed_by, call.lease_until = None, None
            if not decision:
                service.skip(db, call, decision, now)
                return False
            # Outside the sending hours: not a failed try, back to the queue until they open.
            call.status, call.due_at = CallStatus.pending, service.next_allowed(now)
            call.attempts -= 1
            db.add(call)
            return False

    def needs_reconcile(self, job: CallJob) -> bool:
        return job.needs_reconcile

    def attempts(self, job: CallJob) -> int:
        return job.attempts

    def find(self, job: CallJob) -> list[PlacedCall]:
        return self.adapter.find_placed(job.outgoing, job.since)

    def match(self, job: CallJob, found: list[PlacedCall], conn) -> PlacedCall | None:
        """The one call placed to this number since the claim and held by no other row is this
        one's; several such calls, and a person checks."""
        with session_scope() as db:
            taken = set(
                db.exec(
                    select(OutboundCall.provider_sid).where(
                        col(OutboundCall.provider_sid).in_([c.remote_id for c in found]),
                        OutboundCall.id != job.call_id,
                    )
                )
            )
        free = [c for c in found if c.remote_id not in taken]
        if len(free) > 1:
            raise engine.Undecided(
                ChannelError(
                    ErrorKind.final,
                    "several calls were placed to this number since the claim; check which is "
                    "this one's before calling again",
                    code="ambiguous",
                )
            )
        return free[0] if free else None

    def send(self, job: CallJob) -> PlacedCall:
        return self.adapter.place(job.outgoing)

    def record_sent(self, job: CallJob, result: PlacedCall, conn, *, reconciled: bool) -> bool:
        now = utcnow()
        with session_scope() as db:
            call = db.exec(select(OutboundCall).where(*_owned(job)).with_for_update()).first()
            if call is None:
                return False
            if call.provider_sid not in (None, result.remote_id[:64]):
                raise engine.Conflict()
            call.claimed_by, call.lease_until = None, None
            call.needs_reconcile, call.next_attempt_at = False, None
            service.record_placed(db, call, result, self.adapter.kind, now)
            if reconciled:
                log.info(
                    "call %s found placed on %s when reconciling", job.call_id, self.adapter.kind
                )
            return True

    def record_failure(self, job: CallJob, error: ChannelError, failure: engine.Failure) -> str:
        now = utcnow()
        with session_scope() as db:
            call = db.exec(select(OutboundCall).where(*_owned(job)).with_for_update()).first()
            if call is None:
                return "lost"
            service.record_error(db, call, error, now)
            call.claimed_by, call.lease_until = None, None
            if call.status == CallStatus.failed and failure.status != "uncertain":
                pass  # a final refusal: recorded by the service
            elif failure.status == "pending":
                call.status = CallStatus.pending
                call.next_attempt_at = failure.next_attempt_at
                call.needs_reconcile = failure.needs_reconcile
                if failure.refund_attempt:
                    call.attempts -= 1
            else:
                call.status = CallStatus(failure.status)
                call.error = failure.message[:300]
            db.add(call)
            log.warning("call %s: %s (%s)", job.call_id, call.status, error.code or error.kind)
            return str(call.status)

    def finish_key(self, job: CallJob) -> None:
        return None

    def finish(self, jobs: list[CallJob]) -> None:
        return None


def sending_hours_allow(now: datetime) -> bool:
    return sending_hours().allows(now.astimezone(ZoneInfo(get_settings().timezone)))


def _from_settings() -> CallDeliveries | None:
    settings = get_settings()
    adapter = connector(settings)
    if adapter is None:
        log.warning(
            "voice provider %s is not fully configured: no calls are placed",
            settings.voice_provider,
        )
        return None
    return CallDeliveries(adapter, concurrency=settings.dispatch_threads)


engine.register(CallDeliveries.name, _from_settings)
