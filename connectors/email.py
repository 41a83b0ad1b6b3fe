"""SMTP out: one message to one recipient through the practice's server or a relay, with TLS.

Each sending thread keeps one connection open and reuses it (a newsletter is thousands of messages);
a connection the server closed is opened again once. SMTP answers are classified for the delivery
engine: 4xx -> retry later, 5xx -> final, a connection lost while the message was being handed over
-> unknown (it may have been accepted).
"""

import re
import smtplib
import ssl
import threading
from dataclasses import dataclass
from typing import Literal

from connectors.base import ChannelError, ErrorKind

Security = Literal["starttls", "tls", "none"]


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 20.0
    helo_name: str = "localhost"  # the name said in EHLO (looking up this host's own name is slow)
    # For a test server with a self-signed certificate only; never in production settings.
    tls_context: ssl.SSLContext | None = None


@dataclass(frozen=True)
class OutgoingEmail:
    envelope_from: str  # the return path: bounces come back here (VERP)
    to: str
    message: bytes  # the whole message, headers and signature included


@dataclass(frozen=True)
class SentEmail:
    remote_id: str  # the server's answer to DATA (often its queue id)
    status: str = "sent"


class EmailError(ChannelError):
    """An SMTP refusal; `smtp_code` is the server's reply code when it gave one."""

    def __init__(self, kind: ErrorKind, message: str, *, smtp_code: int | None = None):
        super().__init__(kind, message, code=str(smtp_code) if smtp_code else None)
        self.smtp_code = smtp_code


def classify(code: int, message: str) -> EmailError:
    """4xx: the server asks to try later; 5xx: it refuses for good."""
    kind = ErrorKind.retryable if 400 <= code < 500 else ErrorKind.final
    return EmailError(kind, f"the mail server answered {code}: {message}"[:300], smtp_code=code)


# A plain address needs no parsing to be put between angle brackets (smtplib parses each with the
# `email` package's address parser, a tenth of a millisecond per address in pure Python).
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _envelope(smtp: smtplib.SMTP, side: Literal["FROM", "TO"], address: str) -> tuple[int, bytes]:
    """MAIL FROM or RCPT TO for one address: a plain ASCII address is written as it is; anything
    else goes through smtplib's own quoting."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return smtp.docmd("mail" if side == "FROM" else "rcpt", f"{side}:<{address}>")
    return smtp.mail(address) if side == "FROM" else smtp.rcpt(address)


def _text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


class SmtpConnector:
    """Sends through one SMTP server; safe to call from many threads (a connection per thread)."""

    kind = "smtp"

    def __init__(self, config: SmtpConfig):
        self.config = config
        self._local = threading.local()
        self._all: list[smtplib.SMTP] = []
        self._lock = threading.Lock()

    def _context(self) -> ssl.SSLContext:
        return self.config.tls_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        try:
            if c.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    c.host, c.port, c.helo_name, timeout=c.timeout, context=self._context()
                )
            else:
                smtp = smtplib.SMTP(c.host, c.port, c.helo_name, timeout=c.timeout)
                if c.security == "starttls":
                    smtp.starttls(context=self._context())
            if c.username:
                smtp.login(c.username, c.password or "")
        except smtplib.SMTPAuthenticationError as error:
            raise EmailError(
                ErrorKind.final,
                "the mail server refused the user name or password",
                smtp_code=error.smtp_code,
            ) from None
        except smtplib.SMTPResponseException as error:
            raise classify(error.smtp_code, _text(error.smtp_error)) from None
        except (OSError, smtplib.SMTPException) as error:
            raise EmailError(
                ErrorKind.retryable,
                f"cannot reach the mail server ({type(error).__name__})",
            ) from None
        with self._lock:
            self._all.append(smtp)
        return smtp

    def _connection(self) -> smtplib.SMTP:
        smtp = getattr(self._local, "smtp", None)
        if smtp is None:
            smtp = self._local.smtp = self._connect()
        return smtp

    def _drop(self) -> None:
        smtp = getattr(self._local, "smtp", None)
        self._local.smtp = None
        if smtp is not None:
            try:
                smtp.close()
            finally:
                with self._lock:
                    if smtp in self._all:
                        self._all.remove(smtp)

    def send(self, email: OutgoingEmail) -> SentEmail:
        """Hand one message over; raises EmailError classified for the engine."""
        for first_try in (True, False):
            smtp = self._connection()
            handing_over = [False]
            try:
                return self._transaction(smtp, email, handing_over)
            except (smtplib.SMTPServerDisconnected, OSError) as error:
                self._drop()
                if handing_over[0]:
                    raise EmailError(
                        ErrorKind.unknown,
                        "the connection to the mail server broke while it took the message "
                        f"({type(error).__name__})",
                    ) from None
                if not first_try:
                    raise EmailError(
                        ErrorKind.retryable,
                        f"the mail server closed the connection ({type(error).__name__})",
                    ) from None
                # An idle connection the server had closed: open a new one, nothing was sent.
        raise AssertionError("unreachable")

    def _transaction(
        self, smtp: smtplib.SMTP, email: OutgoingEmail, handing_over: list[bool]
    ) -> SentEmail:
        smtp.ehlo_or_helo_if_needed()
        code, answer = _envelope(smtp, "FROM", email.envelope_from)
        if code != 250:
            smtp.rset()
            raise classify(code, _text(answer))
        code, answer = _envelope(smtp, "TO", email.to)
        if code not in (250, 251):
            smtp.rset()
            raise classify(code, _text(answer))
        # From here the server may accept the message before the connection could break.
        handing_over[0] = True
        try:
            code, answer = smtp.data(email.message)
        except smtplib.SMTPDataError as error:
            raise classify(error.smtp_code, _text(error.smtp_error)) from None
        if code != 250:
            raise classify(code, _text(answer))
        return SentEmail(remote_id=_text(answer)[:120])

    def close(self) -> None:
        """Say QUIT on every open connection (at the end of a worker's run)."""
        with self._lock:
            connections, self._all = self._all, []
        for smtp in connections:
            try:
                smtp.quit()
            except (TimeoutError, OSError, smtplib.SMTPException):
                smtp.close()
        self._local = threading.local()
