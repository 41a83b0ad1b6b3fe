"""Factories for outreach tests: contacts with their opt-ins, approved templates."""

from datetime import date, timedelta

import pytest

from app.accounts.models import Role
from app.contacts import service as contacts
from app.contacts.models import ConsentAction, ConsentRecord, Purpose
from app.contacts.schemas import ContactCreate
from app.database import session_scope
from app.outreach import templates
from app.outreach.models import MessageTemplate, TemplateKind
from tests.messaging import NOW, messaging  # noqa: F401 - fixture

TEXTS = {
    TemplateKind.results_ready: (
        "{centro}: {nombre}, sus resultados ya pueden recogerse en recepcion.",
        "{centro}: {nombre}, your results are ready to collect at the front desk.",
    ),
    TemplateKind.invitation: (
        "{nombre}, le invitamos a {evento} el {fecha} a las {hora} en {lugar}. Responda SI para apuntarse.",
        "{nombre}, join us at {evento} on {fecha} at {hora}, {lugar}. Reply YES to register.",
    ),
    TemplateKind.campaign: (
        "{nombre}, la vacuna de la gripe ya esta disponible. Pida cita en recepcion.",
        "{nombre}, the flu vaccine is available. Book at the front desk.",
    ),
}


def person(
    name: str,
    phone: str,
    *,
    tags: tuple[str, ...] = (),
    language: str = "es",
    born: date | None = None,
    opted_in: tuple[Purpose, ...] = (),
    staff=None,
) -> int:
    """A contact who opted in to `opted_in` on a signed form; returns its id."""
    with session_scope() as db:
        contact = contacts.create(
            db=db,
            data=ContactCreate(
                name=name, phone=phone, language=language, tags=list(tags), birth_date=born
            ),
            actor=None,
        )
        for purpose in opted_in:
            # Signed on a form a month before any time the tests send at.
            db.add(
                ConsentRecord(
                    contact_id=contact.id,
                    purpose=purpose,
                    action=ConsentAction.granted,
                    address=contact.phone,
                    at=NOW - timedelta(days=30),
                    form="alta",
                    form_version="1",
                    text_shown="Quiero recibir SMS",
                    staff_id=staff.id if staff else None,
                )
            )
        return contact.id


@pytest.fixture
def staff(messaging, make_user):  # noqa: F811 - the fixture imported above
    """An admin who writes templates and a verified clinician who approves them."""
    return make_user(Role.admin), make_user(Role.clinician, verified=True)


@pytest.fixture
def approved(staff):
    """Factory: approved(kind) -> the id of a template of that kind a clinician approved."""
    admin, clinician = staff

    def make(kind: TemplateKind, texts: tuple[str, str] | None = None) -> int:
        text_es, text_en = texts or TEXTS[kind]
        with session_scope() as db:
            template = templates.save(
                db=db,
                actor=admin,
                kind=kind,
                name=f"{kind} template",
                text_es=text_es,
                text_en=text_en,
                now=NOW,
            )
            templates.approve(
                db=db, template=template, clinician=clinician, version=template.version, now=NOW
            )
            return template.id

    return make


def template_of(template_id: int) -> MessageTemplate:
    with session_scope() as db:
        return db.get(MessageTemplate, template_id)
