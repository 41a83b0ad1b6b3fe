"""The bounce mailbox over IMAP (TLS): each new message (a bounce, a complaint, an e-mail to the
unsubscribe address) is read by the same parsing as the webhook, then marked seen and deleted.

Idempotent: a message is remembered by its digest in the transaction that handles it, so one read
again (the worker stopped before the mailbox was told) changes nothing twice.
"""

import hashlib
import imaplib
import logging
import ssl
from collections import Counter
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.database import session_scope
from app.newsletters import bounces, config
from app.newsletters.models import ReturnedMail

log = logging.getLogger("carepost.email")
MAX_MESSAGES = 500  # read in one round at most


def handle_once(*, db: Session, raw: bytes, now: datetime) -> str:
    """`bounces.handle`, unless this very message was handled before ("duplicate")."""
    digest = hashlib.sha256(raw).hexdigest()
    if db.exec(select(ReturnedMail.id).where(ReturnedMail.digest == digest)).first():
        return "duplicate"
    outcome = bounces.handle(db=db, raw=raw, now=now)
    db.add(ReturnedMail(digest=digest, outcome=outcome[:20], at=now))
    db.flush()
    return outcome


def _open(imap: config.ImapConfig, context: ssl.SSLContext | None) -> imaplib.IMAP4_SSL:
    client = imaplib.IMAP4_SSL(
        imap.host, imap.port, ssl_context=context or ssl.create_default_context(), timeout=30
    )
    client.login(imap.username, imap.password)
    status, _ = client.select(f'"{imap.folder}"')
    if status != "OK":
        raise imaplib.IMAP4.error("the folder cannot be opened")
    return client


def _one(client: imaplib.IMAP4_SSL, uid: bytes, now: datetime) -> str:
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    raw = next((part[1] for part in data if isinstance(part, tuple)), None)
    if status != "OK" or raw is None:
        return "unreadable"
    try:
        with session_scope() as db:
            outcome = handle_once(db=db, raw=raw, now=now)
    except IntegrityError:
        outcome = "duplicate"  # another worker handled it at the same moment
    client.uid("STORE", uid, "+FLAGS", "(\\Seen \\Deleted)")
    return outcome


def read_mailbox(*, now: datetime, context: ssl.SSLContext | None = None) -> Counter:
    """Read the new messages of the practice's bounce mailbox; what each was, counted."""
    with session_scope() as db:
        imap = config.imap_config(config.current(db))
    outcomes: Counter = Counter()
    if imap is None:
        return outcomes
    client = _open(imap, context)
    try:
        status, data = client.uid("SEARCH", None, "UNDELETED")
        uids = data[0].split()[:MAX_MESSAGES] if status == "OK" and data and data[0] else []
        for uid in uids:
            outcomes[_one(client, uid, now)] += 1
        client.expunge()
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    if outcomes:
        log.info("bounce mailbox: %s", dict(outcomes))
    return outcomes
