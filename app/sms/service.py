"""Outbound SMS as the delivery engine sees them: the send-time check, outcomes, provider statuses.

The engine (app/delivery/engine.py; the SMS kind is app/sms/outbound.py) for one `OutboundSms`:
1. claim rows with status `pending` and `due_at <= now` (index ix_outboundsms_due on status,
   due_at, id), setting status `sending` with a lease (claimed_by, lease_until);
2. just before sending, `still_wanted(db, message, now)`; when false, `skip(db, message, decision,
   now)` (a cancelled appointment, an opt-out or suppression arrived after the claim);
3. send `outgoing(message)` with the provider's adapter (`connectors.sms.SmsConnector.send`);
4. `record_sent(db, message, sent, provider, now)`, or on a `ChannelError`
   `record_error(db, message, error, now)`: final errors fail the row, opt-outs (Twilio 21610) and
   dead numbers suppress it; retryable and unknown ones leave the status to the engine, which backs
   off, or reconciles with `adapter.find_sent(outgoing(message), since=claim time)` and then
   `record_sent`, else marks the row `uncertain`.
Delivery reports come through the webhooks as `apply_status` (forward-only, idempotent).
"""

from datetime import datetime

from sqlalchemy import Connection, bindparam, func, text, update
from sqlmodel import Session, col, select

from app.appointments import service as appointments
from app.appointments.models import EXPECTED, Appointment, AppointmentStatus, ReminderPlan
from app.audit import service as audit
from app.clock import UTCDateTime
from app.contacts import service as contacts
from app.contacts.models import Contact, Language, MessageChannel, Purpose, SuppressionReason
from app.contacts.service import Decision
from app.followups.models import EnrolmentStatus, FollowUpEnrolment, FollowUpMessage
from app.i18n import N_
from app.outreach import campaigns
from app.sms.models import OutboundSms, SmsKind, SmsStatus
from connectors.base import ChannelError, ErrorKind
from connectors.sms import STATUS_RANK, OutgoingSms, SentSms, SmsError, moves_forward
from connectors.twilio_sms import UNDELIVERABLE

# Provider statuses as carepost's; the others (queued, sending) leave the row as sent.
FINAL_STATUS = {
    "delivered": SmsStatus.delivered,
    "read": SmsStatus.delivered,
    "undelivered": SmsStatus.undelivered,
    "failed": SmsStatus.failed,
    "canceled": SmsStatus.failed,
}
CLAIMABLE = (SmsStatus.pending, SmsStatus.sending)
CHANGED = "the appointment changed after the reminder was claimed"


def queue(
    db: Session,
    *,
    phone: str,
    contact: Contact | None,
    kind: SmsKind,
    purpose: Purpose,
    language: Language,
    body: str,
    now: datetime,
    appointment_id: int | None = None,
) -> OutboundSms:
    """Add one message for the engine to send at once."""
    message = OutboundSms(
        contact_id=contact.id if contact else None,
        to_phone=phone,
        appointment_id=appointment_id,
        kind=kind,
        purpose=purpose,
        language=language,
        body=body,
        due_at=now,
    )
    db.add(message)
    db.flush()
    return message


def still_wanted(
    db: Session, message: OutboundSms, now: datetime, consent: Decision | None = None
) -> Decision:
    """Re-checked by the engine just before it sends: appointment still on, campaign not paused,
    person not opted out (`consent`: `contacts.may_send`'s answer when the caller read it)."""
    if message.status not in CLAIMABLE:
        return Decision(False, f"the message is {message.status}")
    if message.kind == SmsKind.reminder and message.appointment_id is not None:
        appointment = db.get(Appointment, message.appointment_id)
        if (
            appointment is None
            or appointment.status not in EXPECTED
            or appointment.status == AppointmentStatus.reschedule_requested
        ):
            return Decision(False, "the appointment is no longer expected")
        if appointment.starts_at <= now:
            return Decision(False, "the appointment has begun")
        if appointments.reminder_text(db, message, appointment) != message.body:
            return Decision(False, CHANGED)
    if message.campaign_id is not None:
        held = campaigns.hold_reason(db, message.campaign_id, now)
        if held:
            return Decision(False, held)
    if message.kind == SmsKind.notice:
        appointment = (
            db.get(Appointment, message.appointment_id) if message.appointment_id else None
        )
        if (
            appointment is None
            or appointment.status not in EXPECTED
            or appointment.starts_at <= now
        ):
            return Decision(False, "the appointment is no longer ahead")
    if message.kind == SmsKind.follow_up and not _follow_up_on(db, message.id):
        return Decision(False, "the follow-up was ended")
    contact = db.get(Contact, message.contact_id) if message.contact_id else None
    if contact is None:
        if message.purpose != Purpose.service:
            return Decision(False, "the contact no longer exists")
        return Decision(True, N_("answer to the person's own message"))
    if consent is not None:
        return consent
    return contacts.may_send(db, contact, MessageChannel.sms, message.purpose, now)


def still_wanted_many(
    db: Session, messages: list[OutboundSms], now: datetime
) -> dict[int, Decision]:
    """`still_wanted` for a batch: their appointments, plans and contacts read in one query each."""
    appointment_ids = {m.appointment_id for m in messages if m.appointment_id is not None}
    appointments_read = (
        db.exec(select(Appointment).where(col(Appointment.id).in_(appointment_ids))).all()
        if appointment_ids
        else []
    )
    plan_ids = {m.plan_id for m in messages if m.plan_id is not None}
    if plan_ids:
        db.exec(select(ReminderPlan).where(col(ReminderPlan.id).in_(plan_ids))).all()
    contact_ids = {m.contact_id for m in messages if m.contact_id is not None}
    contact_ids |= {a.contact_id for a in appointments_read}
    people = (
        db.exec(select(Contact).where(col(Contact.id).in_(contact_ids))).all()
        if contact_ids
        else []
    )
    # Read once, the rows stay in the session: `still_wanted` finds them without a query; the
    # suppressions and consent of the messages' contacts are read for the whole batch too.
    by_id = {contact.id: contact for contact in people}
    asked = [m for m in messages if m.contact_id in by_id]
    consents = contacts.may_send_many(
        db, [(by_id[m.contact_id], m.purpose) for m in asked], MessageChannel.sms, now
    )
    consent = {m.id: decision for m, decision in zip(asked, consents, strict=True)}
    return {m.id: still_wanted(db, m, now, consent.get(m.id)) for m in messages}


# The common case of `record_sent` in one statement: the claim's holder writes the provider's first
# answer before any delivery report did (a row a report reached first takes the full path).
_SENT = (
    update(OutboundSms)
    .where(
        OutboundSms.id == bindparam("message_id"),
        OutboundSms.claimed_by == bindparam("claim"),
        OutboundSms.status == SmsStatus.sending,
        col(OutboundSms.provider_status).is_(None),
    )
    .values(
        status=bindparam("new_status"),
        provider=bindparam("new_provider"),
        provider_sid=bindparam("new_sid"),
        provider_status=bindparam("new_provider_status"),
        sent_at=func.coalesce(OutboundSms.sent_at, bindparam("now")),
        status_at=bindparam("now"),
        error=None,
        error_code=None,
        claimed_by=None,
        lease_until=None,
        needs_reconcile=False,
        next_attempt_at=None,
    )
)


def mark_sent(
    conn: Connection, *, message_id: int, claim: str, sent: SentSms, provider: str, now: datetime
) -> bool:
    """`record_sent` and the release of the claim in one statement, for the common case; False
    when the row needs `record_sent` (a report came first, or the claim was lost)."""
    if sent.status not in STATUS_RANK:
        return False
    done = conn.execute(
        _SENT,
        {
            "message_id": message_id,
            "claim": claim,
            "new_status": FINAL_STATUS.get(sent.status, SmsStatus.sent),
            "new_provider": provider,
            "new_sid": sent.remote_id[:64],
            "new_provider_status": sent.status,
            "now": now,
        },
    ).rowcount
    if done:
        audit.record_system(
            conn, action="sms.sent", object_type="sms", object_id=message_id, provider=provider
        )
    return bool(done)


# `_SENT` for a whole batch on PostgreSQL: the rows' values travel as arrays, one statement.
_SENT_MANY = text(
    """
    UPDATE outboundsms AS m
    SET status = v.new_status, provider = :provider, provider_sid = v.sid,
        provider_status = v.provider_status, sent_at = coalesce(m.sent_at, :now),
        status_at = :now, error = NULL, error_code = NULL, claimed_by = NULL, lease_until = NULL,
        needs_reconcile = false, next_attempt_at = NULL
    FROM unnest(CAST(:ids AS integer[]), CAST(:claims AS varchar[]),
                CAST(:statuses AS varchar[]), CAST(:sids AS varchar[]),
                CAST(:provider_statuses AS varchar[]))
         AS v(id, claim, new_status, sid, provider_status)
    WHERE m.id = v.id AND m.claimed_by = v.claim AND m.status = 'sending'
      AND m.provider_status IS NULL
    RETURNING m.id
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


def mark_sent_many(
    conn: Connection, sent: list[tuple[int, str, SentSms]], *, provider: str, now: datetime
) -> set[int]:
    """`mark_sent` for a batch of (message id, claim, answer): the ids written; the others need
    `record_sent` one by one (a report came first, or the claim was lost)."""
    common = [(i, claim, s) for i, claim, s in sent if s.status in STATUS_RANK]
    if conn.dialect.name != "postgresql":
        return {
            i
            for i, claim, s in common
            if mark_sent(conn, message_id=i, claim=claim, sent=s, provider=provider, now=now)
        }
    if not common:
        return set()
    done = (
        conn.execute(
            _SENT_MANY,
            {
                "ids": [i for i, _claim, _s in common],
                "claims": [claim for _i, claim, _s in common],
                "statuses": [
                    str(FINAL_STATUS.get(s.status, SmsStatus.sent)) for _i, _c, s in common
                ],
                "sids": [s.remote_id[:64] for _i, _c, s in common],
                "provider_statuses": [s.status for _i, _c, s in common],
                "provider": provider,
                "now": now,
            },
        )
        .scalars()
        .all()
    )
    audit.record_system_many(
        conn, action="sms.sent", object_type="sms", object_ids=done, provider=provider
    )
    return set(done)


def _follow_up_on(db: Session, message_id: int) -> bool:
    """Whether the enrolment this follow-up step belongs to is still running."""
    status = db.exec(
        select(FollowUpEnrolment.status)
        .join(FollowUpMessage, col(FollowUpMessage.enrolment_id) == FollowUpEnrolment.id)
        .where(FollowUpMessage.sms_id == message_id)
    ).first()
    return status == EnrolmentStatus.active


def skip(db: Session, message: OutboundSms, decision: Decision, now: datetime) -> None:
    """Record that a claimed message was not sent because it is no longer wanted."""
    message.status = SmsStatus.skipped
    message.error, message.status_at = decision.reason[:300], now
    db.add(message)
    audit.record(
        db,
        actor=None,
        action="sms.skip",
        object_type="sms",
        object_id=message.id,
        reason=decision.reason[:120],
    )
    if decision.reason == CHANGED:
        # Moved while claimed: plan it again with the new time and text.
        appointment = db.get(Appointment, message.appointment_id)
        appointments.plan_reminders(db, appointment, now)


def outgoing(message: OutboundSms) -> OutgoingSms:
    """What the adapter sends; the reference comes back in Kannel's delivery reports."""
    return OutgoingSms(to=message.to_phone, body=message.body, reference=str(message.id))


def record_sent(
    db: Session, message: OutboundSms, sent: SentSms, provider: str, now: datetime
) -> None:
    """The provider accepted the message (or the engine found it sent when reconciling)."""
    message.provider, message.provider_sid = provider, sent.remote_id[:64]
    # A delivery report may have arrived before this answer was written: never move back.
    if moves_forward(message.provider_status, sent.status):
        message.provider_status = sent.status
        message.status = FINAL_STATUS.get(sent.status, SmsStatus.sent)
    message.sent_at = message.sent_at or now
    message.status_at, message.error, message.error_code = now, None, None
    db.add(message)
    audit.record(
        db,
        actor=None,
        action="sms.sent",
        object_type="sms",
        object_id=message.id,
        provider=provider,
    )


def record_error(db: Session, message: OutboundSms, error: ChannelError, now: datetime) -> None:
    """A provider error: a final one fails the message, and an opt-out or dead number suppresses it."""
    message.error, message.error_code, message.status_at = error.message[:300], error.code, now
    if isinstance(error, SmsError) and (error.opt_out or error.undeliverable):
        reason = (
            SuppressionReason.provider_opt_out if error.opt_out else SuppressionReason.undeliverable
        )
        contacts.suppress(db=db, address=message.to_phone, reason=reason, now=now, code=error.code)
    if error.kind == ErrorKind.final:
        message.status = SmsStatus.failed
    db.add(message)
    audit.record(
        db,
        actor=None,
        action="sms.error",
        object_type="sms",
        object_id=message.id,
        kind=str(error.kind),
        code=error.code,
    )


def apply_status(
    db: Session,
    *,
    provider: str,
    provider_sid: str,
    status: str,
    error_code: str | None,
    now: datetime,
    reference: str | None = None,
) -> bool:
    """A delivery report: applied only when it moves the message forward (reports repeat and
    arrive out of order); an undeliverable number is suppressed. Whether anything changed."""
    query = select(OutboundSms).where(
        OutboundSms.provider == provider, OutboundSms.provider_sid == provider_sid
    )
    message = db.exec(query.with_for_update()).first()
    if message is None and reference is not None and reference.isdigit():
        # The report came before the engine wrote the provider's answer: match carepost's own id.
        message = db.exec(
            select(OutboundSms)
            .where(col(OutboundSms.id) == int(reference), col(OutboundSms.provider_sid).is_(None))
            .with_for_update()
        ).first()
    if message is None or not moves_forward(message.provider_status, status):
        return False
    message.provider, message.provider_sid = provider, provider_sid[:64]
    message.provider_status, message.status_at = status, now
    message.sent_at = message.sent_at or now
    message.status = FINAL_STATUS.get(status, SmsStatus.sent)
    if error_code:
        message.error_code = error_code[:20]
    if status in ("undelivered", "failed") and error_code in UNDELIVERABLE:
        contacts.suppress(
            db=db,
            address=message.to_phone,
            reason=SuppressionReason.undeliverable,
            now=now,
            code=error_code,
        )
    db.add(message)
    return True


def for_contact(db: Session, contact_id: int) -> list[OutboundSms]:
    query = select(OutboundSms).where(OutboundSms.contact_id == contact_id)
    return list(db.exec(query.order_by(OutboundSms.due_at.desc())))  # type: ignore[union-attr]
