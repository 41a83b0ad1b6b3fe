"""Demo outreach: approved templates of each kind, an event and a draft flu campaign (once)."""

from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.accounts.models import User
from app.appointments.hours import first_allowed_after
from app.appointments.service import sending_hours
from app.clock import utcnow
from app.outreach import campaigns, events, templates
from app.outreach.models import MessageTemplate, TemplateKind
from app.settings import get_settings

TEMPLATES = [
    (
        TemplateKind.results_ready,
        "Resultados disponibles",
        "{centro}: {nombre}, sus resultados ya pueden recogerse en recepcion.",
        "{centro}: {nombre}, your results are ready to collect at the front desk.",
    ),
    (
        TemplateKind.invitation,
        "Invitación a un taller",
        "{nombre}, le invitamos a {evento} el {fecha} a las {hora} en {lugar}. "
        "Responda SI para apuntarse.",
        "{nombre}, join us at {evento} on {fecha} at {hora}, {lugar}. Reply YES to register.",
    ),
    (
        TemplateKind.campaign,
        "Vacuna de la gripe",
        "{nombre}, la vacuna de la gripe ya esta disponible. Pida cita en recepcion.",
        "{nombre}, the flu vaccine is available. Book at the front desk.",
    ),
]


def _allowed(local: datetime) -> datetime:
    """The first moment at or after a local time the practice's sending hours allow."""
    zone = get_settings().zone
    moment = first_allowed_after(local.replace(tzinfo=zone), sending_hours(), zone)
    return (moment or local.replace(tzinfo=zone)).astimezone(zone).replace(tzinfo=None)


def load(db: Session, *, admin: User, clinician: User) -> None:
    """Templates approved by the demo clinician, a workshop next week and a draft campaign."""
    if db.exec(select(MessageTemplate)).first() is not None:
        return
    now = utcnow()
    made = {}
    for kind, name, text_es, text_en in TEMPLATES:
        template = templates.save(
            db=db, actor=admin, kind=kind, name=name, text_es=text_es, text_en=text_en, now=now
        )
        templates.approve(
            db=db, template=template, clinician=clinician, version=template.version, now=now
        )
        made[kind] = template.id
    local_now = now.astimezone(get_settings().zone).replace(tzinfo=None, second=0, microsecond=0)
    day = local_now + timedelta(days=7 + (3 - local_now.weekday()) % 7)  # a Thursday ahead
    events.create(
        db=db,
        actor=admin,
        title="Taller de diabetes / Diabetes workshop",
        place="Sala 2",
        local_start=day.replace(hour=18, minute=0),
        capacity=20,
        now=now,
    )
    campaigns.create(
        db=db,
        data=campaigns.CampaignIn(
            name="Vacunación de la gripe",
            kind=TemplateKind.campaign,
            template_id=made[TemplateKind.campaign],
            local_time=_allowed((day - timedelta(days=1)).replace(hour=10, minute=0)),
            age_min=65,
        ),
        actor=admin,
        now=now,
    )
