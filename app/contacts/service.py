"""Contacts, their consent history and suppression, and the one send-time check: may_send."""

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import String, cast, func, update
from sqlmodel import Session, col, select

from app.accounts.models import Role, User
from app.audit import service as audit
from app.clock import utcnow
from app.contacts.models import (
    CHOOSABLE,
    LEGAL_BASIS,
    ConsentAction,
    ConsentRecord,
    Contact,
    LegalBasis,
    MessageChannel,
    Purpose,
    Suppression,
    SuppressionReason,
)
from app.contacts.schemas import ConsentCreate, ContactCreate
from app.database import among
from app.errors import InvalidInput, NotFound
from app.i18n import N_
from web.forms import validation_message

CSV_COLUMNS = ("name", "phone")
MAX_ROWS = 5000


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


@dataclass
class ImportResult:
    created: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def create(*, db: Session, data: ContactCreate, actor: User | None) -> Contact:
    """Store a contact (its phone already in E.164), linked to a carepost account if given."""
    if data.user_id is not None and db.get(User, data.user_id) is None:
        raise InvalidInput("no carepost account has this id", field="user_id")
    contact = Contact(**data.model_dump(), created_by=actor.id if actor else None)
    db.add(contact)
    db.flush()
    audit.record(
        db, actor=actor, action="contact.create", object_type="contact", object_id=contact.id
    )
    return contact


def get(*, db: Session, contact_id: int) -> Contact:
    contact = db.get(Contact, contact_id)
    if contact is None:
        raise NotFound("no such contact")
    return contact


def list_contacts(
    *, db: Session, tag: str | None = None, before_id: int | None = None, limit: int = 100
) -> list[Contact]:
    """Newest first; before_id is the cursor of the next page."""
    query = select(Contact).order_by(col(Contact.id).desc()).limit(limit)
    if before_id:
        query = query.where(col(Contact.id) < before_id)
    if tag:
        # Tags are stored as a JSON list: match the element as JSON writes it (quoted, escaped).
        element = json.dumps(tag)
        pattern = element.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(cast(Contact.tags, String).like(f"%{pattern}%", escape="\\"))
    return list(db.exec(query))


def by_phone(*, db: Session, phone: str) -> list[Contact]:
    """Every contact with this number (a parent may answer for several children), newest first."""
    return list(
        db.exec(select(Contact).where(Contact.phone == phone).order_by(col(Contact.id).desc()))
    )


def sees_care_details(user: User) -> bool:
    """Admins and clinicians see numbers, appointments and replies; marketing sees names and opt-ins."""
    return user.role in (Role.admin, Role.clinician)


def _csv_rows(content: str) -> tuple[list[dict], list[str]]:
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        return [], [f"the header must name the columns name, phone (missing: {', '.join(missing)})"]
    reader.fieldnames = header
    rows = list(reader)
    if len(rows) > MAX_ROWS:
        return [], [f"at most {MAX_ROWS} rows per file"]
    return rows, [] if rows else ["the file has no rows"]


def _row_contact(row: dict) -> ContactCreate:
    tags = (row.get("tags") or "").replace("|", ";").split(";")
    return ContactCreate(
        name=(row.get("name") or "").strip(),
        phone=(row.get("phone") or "").strip(),
        email=(row.get("email") or "").strip() or None,
        language=(row.get("language") or "es").strip().lower() or "es",
        tags=tags,
        birth_date=(row.get("birth_date") or "").strip() or None,
    )


def import_csv(*, db: Session, content: str, actor: User) -> ImportResult:
    """Check every row first; store all of them only when none has a problem."""
    rows, problems = _csv_rows(content)
    result = ImportResult(errors=problems)
    checked = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        try:
            checked.append(_row_contact(row))
        except ValidationError as error:
            result.errors.append(f"row {number}: {validation_message(error)}")
    if result.errors:
        return result
    for data in checked:
        result.created.append(create(db=db, data=data, actor=actor).id)
    audit.record(db, actor=actor, action="contact.import", object_type="contact", rows=len(checked))
    return result


def _add_record(db: Session, record: ConsentRecord) -> ConsentRecord:
    if record.text_shown:
        record.text_sha256 = hashlib.sha256(record.text_shown.encode()).hexdigest()
    db.add(record)
    db.flush()
    audit.record(
        db,
        actor=None,
        action=f"consent.{record.action}",
        object_type="contact",
        object_id=record.contact_id,
        purpose=str(record.purpose),
        keyword=record.keyword,
    )
    return record


def add_record(db: Session, record: ConsentRecord) -> ConsentRecord:
    """Append a choice made elsewhere (the newsletter's sign-up, unsubscribe and preference pages)."""
    return _add_record(db, record)


def record_consent(
    *, db: Session, contact: Contact, data: ConsentCreate, staff: User, ip: str | None
) -> ConsentRecord:
    """A choice made on a form or at the desk, with the exact text the person was shown."""
    record = ConsentRecord(
        contact_id=contact.id,
        address=contact.phone,
        staff_id=staff.id,
        ip=ip,
        **data.model_dump(),
    )
    return _add_record(db, record)


def record_keyword(
    *,
    db: Session,
    contact: Contact,
    action: ConsentAction,
    keyword: str,
    purposes: tuple[Purpose, ...],
    now: datetime,
) -> list[ConsentRecord]:
    """A choice made by an SMS reply (BAJA, ALTA): one record per purpose it covers."""
    return [
        _add_record(
            db,
            ConsentRecord(
                contact_id=contact.id,
                purpose=purpose,
                channel=MessageChannel.sms,
                action=action,
                address=contact.phone,
                at=now,
                form="sms reply",
                keyword=keyword[:20],
            ),
        )
        for purpose in purposes
    ]


def address_of(contact: Contact, channel: MessageChannel) -> str | None:
    """Where a message on `channel` goes: the number for SMS and calls, the e-mail address for e-mail."""
    return contact.email if channel == MessageChannel.email else contact.phone


def suppress(
    *,
    db: Session,
    address: str,
    reason: SuppressionReason,
    now: datetime,
    code: str | None = None,
    channel: MessageChannel = MessageChannel.sms,
) -> Suppression:
    """Stop every message on `channel` to an address (kept if it is already suppressed)."""
    current = active_suppression(db=db, address=address, channel=channel, now=now)
    if current is not None:
        return current
    row = Suppression(address=address, channel=channel, reason=reason, code=code, created_at=now)
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor=None,
        action=f"{channel}.suppress",
        object_type="suppression",
        object_id=row.id,
        reason=str(reason),
        code=code,
    )
    return row


def lift_suppression(*, db: Session, address: str, now: datetime) -> int:
    """The person asked for SMS again (ALTA / START): lift their opt-out and the provider's block
    that followed it (a provider that still blocks refuses the next SMS, which suppresses again);
    a number found undeliverable stays suppressed."""
    done = db.exec(
        update(Suppression)
        .where(
            Suppression.address == address,
            Suppression.channel == MessageChannel.sms,
            col(Suppression.reason).in_(
                [SuppressionReason.reply_stop, SuppressionReason.provider_opt_out]
            ),
            col(Suppression.lifted_at).is_(None),
        )
        .values(lifted_at=now)
    )
    return done.rowcount


def active_suppression(
    *, db: Session, address: str, channel: MessageChannel, now: datetime
) -> Suppression | None:
    query = select(Suppression).where(
        Suppression.address == address,
        Suppression.channel == channel,
        col(Suppression.created_at) <= now,
        (col(Suppression.lifted_at).is_(None)) | (col(Suppression.lifted_at) > now),
    )
    return db.exec(query.limit(1)).first()


def latest_choice(
    *, db: Session, contact_id: int, purpose: Purpose, channel: MessageChannel, now: datetime
) -> ConsentRecord | None:
    query = (
        select(ConsentRecord)
        .where(
            ConsentRecord.contact_id == contact_id,
            ConsentRecord.purpose == purpose,
            ConsentRecord.channel == channel,
            col(ConsentRecord.at) <= now,
        )
        .order_by(col(ConsentRecord.at).desc(), col(ConsentRecord.id).desc())
    )
    return db.exec(query.limit(1)).first()


def may_send(
    db: Session, contact: Contact, channel: MessageChannel, purpose: Purpose, now: datetime
) -> Decision:
    """Whether a message for `purpose` may go to this contact now: the engine asks at send time.

    A suppressed number gets nothing (except the answer to the very message that asked for it,
    purpose service); care messages go unless the person opted out; promotional ones need opt-in.
    """
    if purpose == Purpose.service:
        return Decision(True, N_("answer to the person's own message"))
    address = address_of(contact, channel)
    suppressed = bool(address) and (
        active_suppression(db=db, address=address, channel=channel, now=now) is not None
    )
    choice = latest_choice(db=db, contact_id=contact.id, purpose=purpose, channel=channel, now=now)
    return _decision(address, suppressed, choice, purpose)


def _decision(address: str | None, suppressed: bool, choice: Any, purpose: Purpose) -> Decision:
    """`may_send`'s answer, given the address, its suppression and the person's latest choice."""
    if not address:
        return Decision(False, N_("no address for this channel"))
    if suppressed:
        return Decision(False, N_("the address is suppressed"))
    if choice is not None and choice.action == ConsentAction.withdrawn:
        return Decision(False, N_("the person opted out"))
    if LEGAL_BASIS[purpose] == LegalBasis.consent and choice is None:
        return Decision(False, N_("no recorded opt-in"))
    return Decision(True, N_("opted in") if choice else N_("care relationship"))


def suppressed_addresses(
    *, db: Session, addresses: set[str], channel: MessageChannel, now: datetime
) -> set[str]:
    """Which of these addresses are suppressed now (one query for a batch)."""
    if not addresses:
        return set()
    query = select(Suppression.address).where(
        among(db, col(Suppression.address), addresses),
        Suppression.channel == channel,
        col(Suppression.created_at) <= now,
        (col(Suppression.lifted_at).is_(None)) | (col(Suppression.lifted_at) > now),
    )
    return set(db.exec(query))


def may_send_many(
    db: Session, asked: list[tuple[Contact, Purpose]], channel: MessageChannel, now: datetime
) -> list[Decision]:
    """`may_send` for many (contact, purpose) at once, in the same order: their suppressions and
    consent records read in one query each (the engine's batched send-time check)."""
    addresses = {address_of(contact, channel) for contact, _purpose in asked} - {None, ""}
    suppressed = suppressed_addresses(db=db, addresses=addresses, channel=channel, now=now)
    contact_ids = {contact.id for contact, purpose in asked if purpose != Purpose.service}
    latest: dict[tuple[int, Purpose], Any] = {}
    # Plain rows of the columns the decision reads: a batch is hundreds of records.
    records = select(
        ConsentRecord.id,
        ConsentRecord.contact_id,
        ConsentRecord.purpose,
        ConsentRecord.action,
        ConsentRecord.at,
    ).where(
        among(db, col(ConsentRecord.contact_id), contact_ids),
        ConsentRecord.channel == channel,
        col(ConsentRecord.at) <= now,
    )
    order: dict[tuple[int, Purpose], tuple] = {}
    for record in db.exec(records) if contact_ids else []:
        record_id, contact_id, purpose, _action, at = record
        key = (contact_id, purpose)
        # `latest_choice`'s order: the latest `at`, then the highest id.
        if key not in order or (at, record_id) > order[key]:
            order[key], latest[key] = (at, record_id), record
    decisions = []
    for contact, purpose in asked:
        if purpose == Purpose.service:
            decisions.append(Decision(True, N_("answer to the person's own message")))
            continue
        address = address_of(contact, channel)
        choice = latest.get((contact.id, purpose))
        decisions.append(_decision(address, address in suppressed, choice, purpose))
    return decisions


def may_send_to(
    db: Session, people: list[Contact], channel: MessageChannel, purpose: Purpose, now: datetime
) -> dict[int, Decision]:
    """`may_send_many` for one purpose, by contact id (a segment, a campaign's audience)."""
    decisions = may_send_many(db, [(contact, purpose) for contact in people], channel, now)
    return {contact.id: d for contact, d in zip(people, decisions, strict=True)}


def opt_ins(
    *, db: Session, contact_ids: list[int], now: datetime | None = None
) -> dict[int, list[Purpose]]:
    """The promotional purposes each contact currently opted in to (what marketing may see)."""
    now = now or utcnow()
    latest = (
        select(func.max(ConsentRecord.id))
        .where(col(ConsentRecord.contact_id).in_(contact_ids), col(ConsentRecord.at) <= now)
        .group_by(ConsentRecord.contact_id, ConsentRecord.purpose, ConsentRecord.channel)
    )
    rows = db.exec(select(ConsentRecord).where(col(ConsentRecord.id).in_(latest)))
    found: dict[int, list[Purpose]] = {i: [] for i in contact_ids}
    for record in rows:
        if (
            record.action == ConsentAction.granted
            and LEGAL_BASIS[record.purpose] == LegalBasis.consent
        ):
            found[record.contact_id].append(record.purpose)
    return {k: sorted(v) for k, v in found.items()}


def history(*, db: Session, contact_id: int) -> list[ConsentRecord]:
    """Every consent record of a contact, oldest first."""
    query = select(ConsentRecord).where(ConsentRecord.contact_id == contact_id)
    return list(db.exec(query.order_by(col(ConsentRecord.at), col(ConsentRecord.id))))


def purposes_status(*, db: Session, contact: Contact, now: datetime) -> dict[Purpose, Decision]:
    """For the contact page: may each purpose be sent by SMS now, and why."""
    return {p: may_send(db, contact, MessageChannel.sms, p, now) for p in CHOOSABLE}
