"""Approved message templates: checked for health data and misinformation when saved, approved by a
clinician per version, rendered in the contact's language with the opt-out and sender added to
promotional ones (LSSI: sender identified, a free way to opt out in every message)."""

from datetime import datetime
from string import Formatter

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit import service as audit
from app.contacts.models import Contact, Language
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.i18n import N_, Message, translator
from app.notifications import service as notifications
from app.outreach.models import MessageTemplate, TemplateKind, TemplateStatus
from app.settings import get_settings

PLACEHOLDERS: dict[TemplateKind, tuple[str, ...]] = {
    TemplateKind.results_ready: ("nombre", "centro"),
    TemplateKind.invitation: ("nombre", "evento", "lugar", "fecha", "hora", "centro"),
    TemplateKind.campaign: ("nombre", "centro"),
}
SAMPLE = {
    "nombre": "Carmen",
    "evento": "Taller de diabetes",
    "lugar": "Sala 2",
    "fecha": "24/11/2026",
    "hora": "18:00",
}
PROMOTIONAL = frozenset({TemplateKind.invitation, TemplateKind.campaign})
# Flags that refuse a template outright: SMS carry no health data and no false health claims.
REFUSED = {
    "phi": N_(
        "it reads as health data about a person ({reasons}); an SMS may only say where to "
        "find information, never the information itself"
    ),
    "misinformation": N_("it reads as a health claim that is not accepted ({reasons})"),
}
# GSM-7 only, so the footer never turns a message UCS-2 (no á, í, ó, ú).
FOOTER = N_("{centro}. Reply STOP to opt out.")


def check_placeholders(text: str, kind: TemplateKind, field: str) -> None:
    """Only the placeholders of this kind of template, each spelled {name}."""
    allowed = PLACEHOLDERS[kind]
    try:
        names = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError:
        raise InvalidInput(
            "a { or } is not closed; placeholders look like {nombre}", field=field
        ) from None
    unknown = sorted(names - set(allowed))
    if unknown:
        raise InvalidInput(
            "unknown placeholder {name}; use {allowed}",
            field=field,
            name="{" + unknown[0] + "}",
            allowed=", ".join("{" + p + "}" for p in allowed),
        )


def screen(texts: list[str], field: str = "text_es") -> list[str]:
    """The moderation classifier's flags for the texts; health data or misinformation is refused
    (flags meant for what patients write, such as emergency, only inform the approver)."""
    # Imported here: the classifier loads scikit-learn, which the delivery workers never need.
    from app.review import reasons, scoring

    results = scoring.score(texts)
    for flag, reason in REFUSED.items():
        found = [r for result in results for r in result.reasons.get(flag, [])]
        if any(flag in result.flags for result in results):
            raise InvalidInput(
                Message(reason, reasons=reasons.shown("; ".join(found[:2]) or flag)), field=field
            )
    return sorted({flag for result in results for flag in result.flags})


def get(*, db: Session, template_id: int) -> MessageTemplate:
    template = db.get(MessageTemplate, template_id)
    if template is None:
        raise NotFound("no such template")
    return template


def listing(*, db: Session, kind: TemplateKind | None = None) -> list[MessageTemplate]:
    query = select(MessageTemplate).order_by(col(MessageTemplate.kind), col(MessageTemplate.name))
    if kind is not None:
        query = query.where(MessageTemplate.kind == kind)
    return list(db.exec(query))


def approved(*, db: Session, kind: TemplateKind) -> list[MessageTemplate]:
    """The templates of this kind a clinician approved, newest approval first."""
    query = (
        select(MessageTemplate)
        .where(MessageTemplate.kind == kind, MessageTemplate.status == TemplateStatus.approved)
        .order_by(col(MessageTemplate.approved_at).desc())
    )
    return list(db.exec(query))


def save(
    *,
    db: Session,
    actor: User,
    kind: TemplateKind,
    name: str,
    text_es: str,
    text_en: str,
    now: datetime,
    template_id: int | None = None,
    expected_version: int | None = None,
) -> MessageTemplate:
    """Create or edit a template: checked first; any edit sends it back to draft for a clinician."""
    name = name.strip()
    if not name:
        raise InvalidInput("a name is required", field="name")
    for field, text in (("text_es", text_es), ("text_en", text_en)):
        if not text.strip():
            raise InvalidInput("write the text in both languages", field=field)
        if len(text) > 1000:
            raise InvalidInput("at most 1,000 characters", field=field)
        check_placeholders(text, kind, field)
    flags = screen([text_es, text_en])
    if template_id is None:
        template = MessageTemplate(
            kind=kind, name=name, text_es="", text_en="", created_by=actor.id
        )
    else:
        template = get(db=db, template_id=template_id)
        if expected_version is not None and expected_version != template.version:
            raise Conflict("someone else changed this template meanwhile; reload it")
        template.version += 1
    template.name, template.text_es, template.text_en = name[:80], text_es.strip(), text_en.strip()
    template.moderation_flags = flags or None
    template.status, template.approved_by, template.approved_at = TemplateStatus.draft, None, None
    template.updated_at = now
    db.add(template)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="template.save",
        object_type="message_template",
        object_id=template.id,
        kind=str(kind),
        version=template.version,
        flags=",".join(flags) or None,
    )
    notifications.notify_clinicians(
        db=db,
        kind="approval.requested",
        message=Message("SMS template “{name}” waits for your approval", name=template.name),
        link=f"/message-templates/{template.id}",
    )
    return template


def approve(
    *, db: Session, template: MessageTemplate, clinician: User, version: int, now: datetime
) -> MessageTemplate:
    """A verified clinician approves the version they read."""
    if not clinician.is_verified_clinician:
        raise PermissionDenied("only verified clinicians approve templates")
    if version != template.version:
        raise Conflict("the template changed since you opened it; review the new version")
    if template.status == TemplateStatus.approved:
        raise Conflict("this template is already approved")
    template.status, template.approved_by, template.approved_at = (
        TemplateStatus.approved,
        clinician.id,
        now,
    )
    db.add(template)
    audit.record(
        db,
        actor=clinician,
        action="template.approve",
        object_type="message_template",
        object_id=template.id,
        version=template.version,
    )
    return template


def footer(language: Language | str) -> str:
    """The sender and the free opt-out, added to every promotional SMS."""
    return translator(str(language))(FOOTER, centro=get_settings().practice_name)


def render(
    template: MessageTemplate, contact: Contact | None, language: Language | str, **values: str
) -> str:
    """The SMS text for contact (the sample person when None), with the footer when promotional."""
    first = contact.name.split()[0] if contact and contact.name.split() else SAMPLE["nombre"]
    filled = SAMPLE | values | {"nombre": first, "centro": get_settings().practice_name}
    text = template.text(language).format(**filled)
    return with_footer(text, language) if template.kind in PROMOTIONAL else text


def with_footer(text: str, language: Language | str) -> str:
    return f"{text}\n{footer(language)}"


def sample(text: str, kind: TemplateKind, language: Language | str) -> str:
    """A template text filled with the sample values, as the preview and a test send show it."""
    check_placeholders(text, kind, "text")
    filled = text.format(**SAMPLE, centro=get_settings().practice_name)
    return with_footer(filled, language) if kind in PROMOTIONAL else filled
