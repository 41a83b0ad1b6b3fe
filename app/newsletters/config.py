"""The practice's e-mail settings: read, saved (secrets encrypted at rest), and the DNS records to publish."""

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from sqlmodel import Session

from app.accounts.models import User
from app.audit import service as audit
from app.channels import crypto
from app.clock import utcnow
from app.errors import InvalidInput
from app.newsletters import signing
from app.newsletters.models import EmailSettings, SmtpSecurity
from app.newsletters.schemas import EmailSettingsIn
from app.newsletters.signing import Signer
from connectors.email import SmtpConfig

SETTINGS_ID = 1


def current(db: Session) -> EmailSettings:
    """The one settings row (defaults until an admin saves them: the local mailbox)."""
    row = db.get(EmailSettings, SETTINGS_ID)
    return row if row is not None else EmailSettings(id=SETTINGS_ID)


def save(*, db: Session, data: EmailSettingsIn, actor: User) -> EmailSettings:
    """Store the settings; an empty password or key field keeps the one stored."""
    row = db.get(EmailSettings, SETTINGS_ID) or EmailSettings(id=SETTINGS_ID)
    values = data.model_dump(exclude={"password", "dkim_private_key", "imap_password"})
    for name, value in values.items():
        setattr(row, name, value)
    if data.password:
        row.password_encrypted = crypto.encrypt({"password": data.password})
    if data.imap_password:
        row.imap_password_encrypted = crypto.encrypt({"password": data.imap_password})
    if data.dkim_private_key:
        _public_key(data.dkim_private_key.encode())  # refuses a key that cannot be read
        row.dkim_key_encrypted = crypto.encrypt({"key": data.dkim_private_key})
    row.updated_at = utcnow()
    db.add(row)
    db.flush()
    audit.record(
        db, actor=actor, action="email.settings", object_type="email_settings", object_id=1
    )
    return row


def smtp_config(row: EmailSettings) -> SmtpConfig | None:
    """How to reach the practice's server; None when none is set (the local mailbox is used)."""
    if not row.host:
        return None
    password = (
        crypto.decrypt(row.password_encrypted)["password"] if row.password_encrypted else None
    )
    return SmtpConfig(
        host=row.host,
        port=row.port,
        security=str(row.security),  # type: ignore[arg-type]
        username=row.username or None,
        password=password,
        helo_name=sender_domain(row) or "localhost",
    )


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    username: str
    password: str
    folder: str


def imap_config(row: EmailSettings) -> ImapConfig | None:
    """The bounce mailbox to read; None until its host, user and password are set."""
    if not (row.imap_host and row.imap_username and row.imap_password_encrypted):
        return None
    password = crypto.decrypt(row.imap_password_encrypted)["password"]
    return ImapConfig(row.imap_host, row.imap_port, row.imap_username, password, row.imap_folder)


def dkim_key(row: EmailSettings) -> bytes | None:
    if not (row.dkim_key_encrypted and row.dkim_selector):
        return None
    return crypto.decrypt(row.dkim_key_encrypted)["key"].encode()


def signer(row: EmailSettings) -> Signer | None:
    """The practice's DKIM signer, its key parsed once per process; None without a key."""
    key = dkim_key(row)
    if key is None:
        return None
    return signing.signer(key, row.dkim_selector or "", sender_domain(row))


def sender_domain(row: EmailSettings) -> str:
    return row.from_address.rpartition("@")[2].lower()


def _public_key(private_pem: bytes) -> str:
    try:
        key = serialization.load_pem_private_key(private_pem, password=None)
    except (ValueError, TypeError):
        raise InvalidInput("the DKIM key is not a PEM private key", field="dkim_private_key")
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


@dataclass(frozen=True)
class DnsRecord:
    kind: str  # TXT
    name: str
    value: str
    why: str


def dns_records(row: EmailSettings) -> list[DnsRecord]:
    """What to publish in the sender's domain so mailbox providers trust the practice's mail."""
    domain = sender_domain(row)
    if not domain:
        return []
    records = []
    key = dkim_key(row)
    if key is not None:
        records.append(
            DnsRecord(
                "TXT",
                f"{row.dkim_selector}._domainkey.{domain}",
                f"v=DKIM1; k=rsa; p={_public_key(key)}",
                "dkim",
            )
        )
    spf_source = f"a:{row.host}" if row.host else "mx"
    records.append(DnsRecord("TXT", domain, f"v=spf1 {spf_source} ~all", "spf"))
    records.append(
        DnsRecord(
            "TXT", f"_dmarc.{domain}", f"v=DMARC1; p=none; rua=mailto:dmarc@{domain}", "dmarc"
        )
    )
    return records


SECURITY_PORTS = {SmtpSecurity.starttls: 587, SmtpSecurity.tls: 465, SmtpSecurity.none: 25}
