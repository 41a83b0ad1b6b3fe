"""Answers to SMS: SÍ confirms (or registers for the event just invited to), CAMBIAR asks for another time, BAJA / ALTA opt out and in, AYUDA helps;
anything else reaches the staff inbox, screened like any content (an emergency is answered at once).

CANCELAR is never offered: in English, CANCEL is a carrier opt-out word.
"""

import unicodedata
from datetime import datetime

from sqlmodel import Session, col, select

from app.accounts.models import Role, User
from app.appointments import service as appointments
from app.appointments.models import Appointment, AppointmentStatus
from app.audit import service as audit
from app.contacts import service as contacts
from app.contacts.models import (
    CHOOSABLE,
    LEGAL_BASIS,
    ConsentAction,
    Contact,
    Language,
    LegalBasis,
    MessageChannel,
    Purpose,
    SuppressionReason,
)
from app.errors import NotFound
from app.followups import service as followups
from app.i18n import N_, translator
from app.notifications import service as notifications
from app.outreach import events
from app.review import service as review
from app.settings import get_settings
from app.sms import service as sms
from app.sms.models import InboundSms, Intent, SmsKind

KIND = "sms_reply"
KEYWORDS = {
    Intent.confirm: ("si", "yes", "1"),
    Intent.change: ("cambiar", "change", "2"),
    # Carriers and Twilio treat these as opt-out too: carepost must agree with them.
    Intent.stop: (
        "baja",
        "stop",
        "alto",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "revoke",
        "optout",
    ),
    Intent.start: ("alta", "start", "unstop"),
    Intent.help: ("ayuda", "help", "info"),
}
ENGLISH = frozenset(
    {
        "yes",
        "change",
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "start",
        "unstop",
        "help",
    }
)
CARE = tuple(p for p in CHOOSABLE if LEGAL_BASIS[p] == LegalBasis.care)


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation or extra spaces: 'Sí.' → 'si', ' ¡BAJA! ' → 'baja'."""
    folded = unicodedata.normalize("NFD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    kept = "".join(ch if ch.isalnum() else " " for ch in plain)
    return " ".join(kept.split())


def intent_of(text: str) -> Intent:
    """What a reply asks for; the whole message must be the keyword ('si no puedo' is not a yes)."""
    word = normalise(text)
    for intent, words in KEYWORDS.items():
        if word in words:
            return intent
    return Intent.other


def _language(contact: Contact | None, text: str) -> Language:
    if contact is not None:
        return contact.language
    if normalise(text) in ENGLISH:
        return Language.en
    return Language(get_settings().locale)


def _texts(language: Language, appointment: Appointment | None) -> dict[Intent, str]:
    settings = get_settings()
    _ = translator(str(language))
    when = appointment.starts_at.astimezone(settings.zone) if appointment else None
    return {
        Intent.confirm: _(
            "Thank you: your appointment on {fecha} at {hora} is confirmed.",
            fecha=when.strftime("%d/%m/%Y") if when else "",
            hora=when.strftime("%H:%M") if when else "",
        ),
        Intent.change: _(
            "We got your request to change the appointment. We will call you to find another time."
        ),
        Intent.stop: _("You will not get any more SMS from us. To get them again, reply START."),
        Intent.start: _("You will get our SMS reminders again. Reply STOP to opt out."),
        Intent.help: _(
            "{centro}: appointment reminders by SMS. Reply YES to confirm, CHANGE to ask for another time or STOP to opt out. Emergencies: {emergency}.",
            centro=settings.practice_name,
            emergency=settings.emergency_number,
        ),
        Intent.other: _(
            "If you or someone near you is in danger, call {emergency} now. A clinician of the practice has been told about your message.",
            emergency=settings.emergency_number,
        ),
    }


def _notify_front_desk(db: Session, message: str, link: str) -> None:
    """Admins run the front desk: each gets the notification."""
    for user_id in db.exec(select(User.id).where(User.role == Role.admin, col(User.is_active))):
        notifications.notify(db=db, user_id=user_id, kind="sms_change", message=message, link=link)


def _answer(
    db: Session, row: InboundSms, contact: Contact | None, kind: SmsKind, body: str, now: datetime
) -> None:
    sms.queue(
        db,
        phone=row.from_phone,
        contact=contact,
        kind=kind,
        purpose=Purpose.service,
        language=_language(contact, row.text),
        body=body,
        now=now,
        appointment_id=row.appointment_id,
    )


def _opt_out(
    db: Session, row: InboundSms, people: list[Contact], now: datetime, provider_confirmed: bool
) -> bool:
    """Suppress the number and record the withdrawal; whether the one confirmation should be sent."""
    already = contacts.active_suppression(
        db=db, address=row.from_phone, channel=MessageChannel.sms, now=now
    )
    contacts.suppress(db=db, address=row.from_phone, reason=SuppressionReason.reply_stop, now=now)
    for person in people:
        contacts.record_keyword(
            db=db,
            contact=person,
            action=ConsentAction.withdrawn,
            keyword=row.text.strip().upper(),
            purposes=CHOOSABLE,
            now=now,
        )
    followups.end_for_contacts(db=db, contact_ids=[p.id for p in people], now=now)
    return already is None and not provider_confirmed


def _opt_in(db: Session, row: InboundSms, people: list[Contact], now: datetime) -> None:
    """ALTA restores care messages; promotional ones need a fresh, express opt-in (LSSI)."""
    contacts.lift_suppression(db=db, address=row.from_phone, now=now)
    for person in people:
        contacts.record_keyword(
            db=db,
            contact=person,
            action=ConsentAction.granted,
            keyword=row.text.strip().upper(),
            purposes=CARE,
            now=now,
        )


def _to_inbox(db: Session, row: InboundSms, contact: Contact | None, now: datetime) -> None:
    """Free text: staff read it; the classifier may find an emergency that needs an answer now."""
    row.needs_staff = True
    screening = review.screen(db, kind=KIND, target=row, locale=str(_language(contact, row.text)))
    row.status = screening.status
    if "emergency" in screening.flags:
        body = _texts(_language(contact, row.text), None)[Intent.other]
        _answer(db, row, contact, SmsKind.emergency, body, now)


def handle_inbound(
    db: Session,
    *,
    provider: str,
    provider_sid: str,
    from_phone: str,
    text: str,
    now: datetime,
    provider_answered: bool = False,
) -> InboundSms | None:
    """Act on one received SMS, once: a repeated delivery of the same message returns None.

    provider_answered: the provider already answered this STOP, START or HELP itself (Twilio's
    Advanced Opt-Out): carepost records it but sends no second answer."""
    seen = select(InboundSms.id).where(
        InboundSms.provider == provider, InboundSms.provider_sid == provider_sid
    )
    if db.exec(seen).first() is not None:
        return None
    people = contacts.by_phone(db=db, phone=from_phone)
    # A SÍ answers the latest message that asked for one: an event's invitation or a reminder.
    invitation = (
        events.answered_invitation(db=db, phone=from_phone)
        if people and intent_of(text) == Intent.confirm
        else None
    )
    appointment = (
        appointments.next_for_reply(db=db, contact_ids=[p.id for p in people], now=now)
        if people and invitation is None
        else None
    )
    contact = next(
        (
            p
            for p in people
            if (appointment and p.id == appointment.contact_id)
            or (invitation and p.id == invitation.contact_id)
        ),
        people[0] if people else None,
    )
    row = InboundSms(
        provider=provider,
        provider_sid=provider_sid[:64],
        from_phone=from_phone,
        contact_id=contact.id if contact else None,
        appointment_id=appointment.id if appointment else None,
        text=text[:1600],
        intent=intent_of(text),
        received_at=now,
    )
    db.add(row)
    db.flush()
    texts = _texts(_language(contact, text), appointment)
    if invitation is not None:
        contact, answer = events.register_reply(
            db=db, invitation=invitation, keyword=text.strip().upper(), now=now
        )
        _answer(db, row, contact, SmsKind.registration, answer, now)
    elif row.intent in (Intent.confirm, Intent.change) and appointment is None:
        _to_inbox(db, row, contact, now)  # a yes to nothing: someone should look
    elif row.intent == Intent.confirm:
        appointments.set_status(
            db=db, appointment=appointment, status=AppointmentStatus.confirmed, actor=None, now=now
        )
        _answer(db, row, contact, SmsKind.confirmation, texts[Intent.confirm], now)
    elif row.intent == Intent.change:
        appointments.set_status(
            db=db,
            appointment=appointment,
            status=AppointmentStatus.reschedule_requested,
            actor=None,
            now=now,
        )
        row.needs_staff = True
        _notify_front_desk(
            db, N_("A patient asked to change an appointment"), f"/sms/inbox#sms-{row.id}"
        )
        _answer(db, row, contact, SmsKind.confirmation, texts[Intent.change], now)
    elif row.intent == Intent.stop:
        if _opt_out(db, row, people, now, provider_answered):
            _answer(db, row, contact, SmsKind.opt_out, texts[Intent.stop], now)
    elif row.intent == Intent.start:
        _opt_in(db, row, people, now)
        if not provider_answered:
            _answer(db, row, contact, SmsKind.opt_in, texts[Intent.start], now)
    elif row.intent == Intent.help:
        if not provider_answered:
            _answer(db, row, contact, SmsKind.help, texts[Intent.help], now)
    else:
        _to_inbox(db, row, contact, now)
    db.add(row)
    audit.record(
        db,
        actor=None,
        action="sms.received",
        object_type="inbound_sms",
        object_id=row.id,
        intent=str(row.intent),
    )
    return row


def inbox(
    db: Session, *, limit: int = 100
) -> list[tuple[InboundSms, Contact | None, Appointment | None]]:
    """Messages for staff, open ones first, newest first."""
    query = (
        select(InboundSms, Contact, Appointment)
        .outerjoin(Contact, col(Contact.id) == InboundSms.contact_id)
        .outerjoin(Appointment, col(Appointment.id) == InboundSms.appointment_id)
        .where(col(InboundSms.needs_staff))
        .order_by(col(InboundSms.handled_at).is_not(None), col(InboundSms.id).desc())
        .limit(limit)
    )
    return list(db.exec(query))


def mark_handled(db: Session, *, message_id: int, actor: User, now: datetime) -> InboundSms:
    row = db.get(InboundSms, message_id)
    if row is None or not row.needs_staff:
        raise NotFound("no such message")
    row.handled_by, row.handled_at = actor.id, now
    db.add(row)
    audit.record(db, actor=actor, action="sms.handled", object_type="inbound_sms", object_id=row.id)
    return row


def _context(db: Session, row: InboundSms) -> dict:
    contact = db.get(Contact, row.contact_id) if row.contact_id else None
    return {
        "where": N_("SMS to the practice"),
        "link": f"/sms/inbox#sms-{row.id}",
        "author": contact.name if contact else "unknown number",
        "thread": [],
    }


# What the review queue holds of this module's content; app/review/kinds.py registers it at start-up.
REVIEW_KINDS = {
    KIND: review.ContentKind(model=InboundSms, label=N_("SMS to the practice"), context=_context)
}
