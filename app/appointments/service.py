"""Appointments and their reminders: every change of time or status re-plans the pending reminders."""

from datetime import datetime
from string import Formatter

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.appointments.hours import SendingHours, local_offset, public_holidays, send_moment
from app.appointments.models import EXPECTED, Appointment, AppointmentStatus, ReminderPlan
from app.appointments.schemas import AppointmentIn, PlanIn
from app.audit import service as audit
from app.clock import utcnow
from app.contacts import service as contacts
from app.contacts.models import Contact, Language, Purpose
from app.contacts.schemas import ContactCreate
from app.errors import InvalidInput, NotFound
from app.settings import get_settings
from app.sms.models import OutboundSms, SmsKind, SmsStatus

PLACEHOLDERS = ("nombre", "fecha", "hora", "profesional", "centro")
DEFAULT_TEMPLATES = {
    Language.es: "{centro}: le recordamos su cita del {fecha} a las {hora} con {profesional}. "
    "Responda SI para confirmar o CAMBIAR para pedir otra hora. BAJA para no recibir SMS.",
    Language.en: "{centro}: a reminder of your appointment on {fecha} at {hora} with {profesional}. "
    "Reply YES to confirm or CHANGE to ask for another time. STOP to opt out.",
}
# Rows the planner may still rewrite; the rest are in the engine's hands or done.
REPLANNABLE = (SmsStatus.pending, SmsStatus.withdrawn, SmsStatus.skipped)


def sending_hours() -> SendingHours:
    """The practice's sending hours from its settings, with its country's (and region's) holidays."""
    settings = get_settings()
    return SendingHours(
        start=settings.sms_hours_start,
        end=settings.sms_hours_end,
        closed_weekdays=frozenset() if settings.sms_send_on_sundays else frozenset({6}),
        holidays=public_holidays(settings.country, settings.holiday_region),
    )


def check_template(text: str) -> None:
    """Only the known placeholders, each spelled {name}."""
    try:
        names = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError:
        raise InvalidInput(
            "a { or } is not closed; placeholders look like {nombre}", field="templates"
        )
    unknown = sorted(names - set(PLACEHOLDERS))
    if unknown:
        raise InvalidInput(
            f"unknown placeholder {{{unknown[0]}}}; use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
            field="templates",
        )


def render(template: str, contact: Contact, appointment: Appointment) -> str:
    """The reminder's text in the practice's time zone."""
    settings = get_settings()
    local = appointment.starts_at.astimezone(settings.zone)
    return template.format(
        nombre=contact.name.split()[0] if contact.name.split() else contact.name,
        fecha=local.strftime("%d/%m/%Y"),
        hora=local.strftime("%H:%M"),
        profesional=appointment.clinician or settings.practice_name,
        centro=appointment.place or settings.practice_name,
    )


def reminder_text(db: Session, message: OutboundSms, appointment: Appointment) -> str | None:
    """The text a planned reminder should carry now (None when its plan is gone)."""
    plan = db.get(ReminderPlan, message.plan_id) if message.plan_id else None
    contact = db.get(Contact, appointment.contact_id)
    if plan is None or contact is None:
        return None
    template = plan.templates.get(str(contact.language)) or plan.templates.get("es") or ""
    return render(template, contact, appointment)


def default_plan(db: Session) -> ReminderPlan:
    """The plans in use; a practice that made none gets 72 h and 24 h before."""
    plan = db.exec(select(ReminderPlan).order_by(col(ReminderPlan.id))).first()
    if plan is None:
        plan = ReminderPlan(
            name="Reminders",
            offsets_hours=[72, 24],
            templates={str(k): v for k, v in DEFAULT_TEMPLATES.items()},
        )
        db.add(plan)
        db.flush()
    return plan


def active_plans(db: Session) -> list[ReminderPlan]:
    default_plan(db)
    return list(
        db.exec(select(ReminderPlan).where(col(ReminderPlan.active)).order_by(col(ReminderPlan.id)))
    )


def save_plan(
    *, db: Session, data: PlanIn, actor: User, plan_id: int | None = None
) -> ReminderPlan:
    """Create or change a plan; every template is checked first."""
    for text in data.templates.values():
        check_template(text)
    plan = db.get(ReminderPlan, plan_id) if plan_id else ReminderPlan(name=data.name)
    if plan is None:
        raise NotFound("no such plan")
    plan.name, plan.offsets_hours, plan.active = data.name, data.offsets_hours, data.active
    plan.templates = {str(k): v for k, v in data.templates.items()}
    db.add(plan)
    db.flush()
    audit.record(
        db, actor=actor, action="reminder_plan.save", object_type="reminder_plan", object_id=plan.id
    )
    return plan


def _wanted(db: Session, appointment: Appointment, contact: Contact, now: datetime) -> dict:
    """(plan, offset) → (due moment, body) of the reminders this appointment should get now."""
    if (
        appointment.status not in EXPECTED
        or appointment.status == AppointmentStatus.reschedule_requested
    ):
        return {}
    settings, hours = get_settings(), sending_hours()
    wanted = {}
    for plan in active_plans(db):
        template = plan.templates.get(str(contact.language)) or plan.templates.get("es") or ""
        later_moment = None
        for offset in sorted(plan.offsets_hours):  # nearest to the appointment first
            due = local_offset(appointment.starts_at, offset, settings.zone)
            moment = send_moment(due, appointment.starts_at, now, hours, settings.zone)
            # Two reminders that would go at the same moment (booked late) go as one.
            if moment is None or (later_moment is not None and moment >= later_moment):
                continue
            later_moment = moment
            wanted[(plan.id, offset)] = (moment, render(template, contact, appointment))
    return wanted


def plan_reminders(db: Session, appointment: Appointment, now: datetime) -> None:
    """Make the pending reminders match the appointment: new time, new text, or withdrawn at once."""
    contact = db.get(Contact, appointment.contact_id)
    wanted = _wanted(db, appointment, contact, now)
    rows = db.exec(select(OutboundSms).where(OutboundSms.appointment_id == appointment.id)).all()
    existing = {(r.plan_id, r.offset_hours): r for r in rows if r.kind == SmsKind.reminder}
    for key, row in existing.items():
        if row.status not in REPLANNABLE:
            continue
        if key in wanted:
            row.due_at, row.body = wanted[key]
            row.status, row.to_phone, row.language = (
                SmsStatus.pending,
                contact.phone,
                contact.language,
            )
        elif row.status == SmsStatus.pending:
            row.status = SmsStatus.withdrawn
        db.add(row)
    for (plan_id, offset), (moment, body) in wanted.items():
        if (plan_id, offset) not in existing:
            db.add(
                OutboundSms(
                    contact_id=contact.id,
                    to_phone=contact.phone,
                    appointment_id=appointment.id,
                    plan_id=plan_id,
                    offset_hours=offset,
                    kind=SmsKind.reminder,
                    purpose=Purpose.reminders,
                    language=contact.language,
                    body=body,
                    due_at=moment,
                )
            )
    db.flush()


def _contact_for(db: Session, data: AppointmentIn, actor: User | None) -> Contact:
    """The contact with this number and name, made if the practice has not written to them yet."""
    for contact in contacts.by_phone(db=db, phone=data.phone):
        if contact.name.casefold() == data.name.casefold():
            return contact
    create = ContactCreate(name=data.name, phone=data.phone, language=data.language)
    return contacts.create(db=db, data=create, actor=actor)


def upsert(
    *, db: Session, data: AppointmentIn, actor: User | None, now: datetime | None = None
) -> Appointment:
    """Create or update the appointment with this (source, external_id) and re-plan its reminders."""
    now = now or utcnow()
    starts_at = data.starts_at
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=get_settings().zone)
    contact = _contact_for(db, data, actor)
    query = select(Appointment).where(
        Appointment.source == data.source, Appointment.external_id == data.external_id
    )
    appointment = db.exec(query).first()
    created = appointment is None
    if created:
        appointment = Appointment(
            source=data.source,
            external_id=data.external_id,
            contact_id=contact.id,
            starts_at=starts_at,
        )
    # The patient's confirmation or change request survives a re-import of the same booking at the
    # same time; a new time settles a change request (and asks for a new confirmation).
    moved = appointment.starts_at != starts_at
    kept = appointment.status in (
        AppointmentStatus.confirmed,
        AppointmentStatus.reschedule_requested,
    )
    if created or moved or not (kept and data.status == AppointmentStatus.booked):
        appointment.status = data.status
    appointment.contact_id, appointment.starts_at = contact.id, starts_at
    appointment.clinician, appointment.place = data.clinician, data.place
    appointment.updated_at = now
    db.add(appointment)
    db.flush()
    plan_reminders(db, appointment, now)
    audit.record(
        db,
        actor=actor,
        action="appointment.create" if created else "appointment.update",
        object_type="appointment",
        object_id=appointment.id,
        status=str(appointment.status),
    )
    return appointment


def get(*, db: Session, appointment_id: int) -> Appointment:
    appointment = db.get(Appointment, appointment_id)
    if appointment is None:
        raise NotFound("no such appointment")
    return appointment


def set_status(
    *,
    db: Session,
    appointment: Appointment,
    status: AppointmentStatus,
    actor: User | None,
    now: datetime,
) -> Appointment:
    """Change the status (a reply, the front desk) and re-plan the reminders at once."""
    appointment.status, appointment.updated_at = status, now
    db.add(appointment)
    db.flush()
    plan_reminders(db, appointment, now)
    audit.record(
        db,
        actor=actor,
        action="appointment.status",
        object_type="appointment",
        object_id=appointment.id,
        status=str(status),
    )
    return appointment


def upcoming(*, db: Session, now: datetime, limit: int = 200) -> list[tuple[Appointment, Contact]]:
    """Appointments from today on, soonest first, with their contacts."""
    query = (
        select(Appointment, Contact)
        .join(Contact, col(Contact.id) == Appointment.contact_id)
        .where(col(Appointment.starts_at) >= now.replace(hour=0, minute=0, second=0, microsecond=0))
        .order_by(col(Appointment.starts_at))
        .limit(limit)
    )
    return list(db.exec(query))


def for_contact(*, db: Session, contact_id: int) -> list[Appointment]:
    query = select(Appointment).where(Appointment.contact_id == contact_id)
    return list(db.exec(query.order_by(col(Appointment.starts_at).desc())))


def next_for_reply(*, db: Session, contact_ids: list[int], now: datetime) -> Appointment | None:
    """The appointment a reply is about: the soonest one still ahead that the person was reminded of."""
    reminded = select(OutboundSms.appointment_id).where(
        col(OutboundSms.contact_id).in_(contact_ids),
        col(OutboundSms.appointment_id).is_not(None),
        col(OutboundSms.status).not_in([SmsStatus.pending, SmsStatus.withdrawn, SmsStatus.skipped]),
    )
    query = (
        select(Appointment)
        .where(
            col(Appointment.id).in_(reminded),
            col(Appointment.starts_at) > now,
            col(Appointment.status).in_(list(EXPECTED)),
        )
        .order_by(col(Appointment.starts_at))
    )
    return db.exec(query.limit(1)).first()
