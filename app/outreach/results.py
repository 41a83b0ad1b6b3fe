"""Results ready: an approved template tells a patient their results can be collected; the results
themselves never travel by SMS. The lab's external_id makes a repeated request send once."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.accounts.models import User
from app.audit import service as audit
from app.contacts import service as contacts
from app.contacts.models import Contact, MessageChannel, Purpose
from app.contacts.schemas import e164
from app.contacts.service import Decision
from app.errors import Conflict, InvalidInput, NotFound
from app.outreach import templates
from app.outreach.models import MessageTemplate, ResultsNotice, TemplateKind, TemplateStatus
from app.sms import service as sms
from app.sms.models import OutboundSms, SmsKind


@dataclass(frozen=True)
class Queued:
    notice: ResultsNotice
    created: bool  # False: this external_id was sent before, and nothing new was queued
    decision: Decision  # whether the SMS may go now (the engine checks again when sending)


def find_contact(*, db: Session, reference: int | str) -> Contact:
    """A contact by id, or by phone number when exactly one contact has it."""
    if isinstance(reference, int):
        return contacts.get(db=db, contact_id=reference)
    try:
        phone = e164(reference)
    except ValueError as error:
        raise InvalidInput("contact: {error}", field="contact", error=str(error)) from None
    found = contacts.by_phone(db=db, phone=phone)
    if not found:
        raise NotFound("no contact has this phone number")
    if len(found) > 1:
        raise InvalidInput(
            "contact: several contacts share this number; send the contact's id", field="contact"
        )
    return found[0]


def _template(db: Session, template_id: int | None) -> MessageTemplate:
    if template_id is None:
        chosen = templates.approved(db=db, kind=TemplateKind.results_ready)
        if not chosen:
            raise Conflict(
                "no results-ready template is approved yet; ask a clinician to approve one"
            )
        return chosen[0]
    template = db.get(MessageTemplate, template_id)
    if (
        template is None
        or template.kind != TemplateKind.results_ready
        or template.status != TemplateStatus.approved
    ):
        raise InvalidInput("choose an approved results-ready template", field="template_id")
    return template


def _earlier(db: Session, external_id: str | None) -> ResultsNotice | None:
    if external_id is None:
        return None
    return db.exec(select(ResultsNotice).where(ResultsNotice.external_id == external_id)).first()


def notify(
    *,
    db: Session,
    contact: Contact,
    actor: User,
    now: datetime,
    external_id: str | None = None,
    template_id: int | None = None,
) -> Queued:
    """Queue the results-ready SMS (purpose results) for the delivery engine, once per external_id."""
    decision = contacts.may_send(db, contact, MessageChannel.sms, Purpose.results, now)
    earlier = _earlier(db, external_id)
    if earlier is not None:
        return Queued(earlier, False, decision)
    template = _template(db, template_id)
    try:
        with db.begin_nested():
            message = sms.queue(
                db,
                phone=contact.phone,
                contact=contact,
                kind=SmsKind.results,
                purpose=Purpose.results,
                language=contact.language,
                body=templates.render(template, contact, contact.language),
                now=now,
            )
            notice = ResultsNotice(
                external_id=external_id,
                contact_id=contact.id,
                template_id=template.id,
                sms_id=message.id,
                requested_by=actor.id,
                created_at=now,
            )
            db.add(notice)
            db.flush()
    except IntegrityError:  # the same external_id arrived at the same moment: that one sends
        return Queued(_earlier(db, external_id), False, decision)
    audit.record(
        db,
        actor=actor,
        action="results_ready.queue",
        object_type="contact",
        object_id=contact.id,
        notice=notice.id,
        template=template.id,
        allowed=decision.allowed,
    )
    return Queued(notice, True, decision)


def status_of(db: Session, notice: ResultsNotice) -> str | None:
    message = db.get(OutboundSms, notice.sms_id) if notice.sms_id else None
    return str(message.status) if message else None
