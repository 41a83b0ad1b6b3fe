"""The local mailbox: an e-mail "server" that keeps messages in carepost's database (demo and tests).

The practice's sent newsletters can be read on a page as recipients see them, links included.
"""

from typing import Protocol

from connectors.email import OutgoingEmail, SentEmail


class MailboxStore(Protocol):
    """Where the local mailbox keeps what it receives; the app provides it."""

    def add(self, envelope_from: str, to: str, raw: bytes) -> str: ...

    def find(self, to: str, message_id: str) -> str | None: ...


class MailboxConnector:
    kind = "mailbox"

    def __init__(self, store: MailboxStore):
        self.store = store

    def send(self, email: OutgoingEmail) -> SentEmail:
        return SentEmail(self.store.add(email.envelope_from, email.to, email.message))

    def find_sent(self, to: str, message_id: str) -> SentEmail | None:
        """The message with this Message-ID, when the mailbox holds it (a lost claim is settled)."""
        remote_id = self.store.find(to, message_id)
        return SentEmail(remote_id) if remote_id else None

    def close(self) -> None:
        return None
