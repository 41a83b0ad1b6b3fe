"""A real SMTP server for tests: aiosmtpd on a free loopback port, keeping what it accepts."""

import datetime
import ipaddress
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> Message:
        return message_from_bytes(self.raw, policy=default)


@dataclass
class Handler:
    """Accepts every message, unless told to answer the next ones with a refusal."""

    received: list[Received] = field(default_factory=list)
    refusals: dict[str, str] = field(
        default_factory=dict
    )  # recipient -> "451 ..." answered to DATA
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                if rcpt in self.refusals:
                    return self.refusals[rcpt]
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 2.0.0 queued"


def self_signed() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting it) for 127.0.0.1."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with (
        tempfile.NamedTemporaryFile(suffix=".pem") as cert_file,
        tempfile.NamedTemporaryFile(suffix=".pem") as key_file,
    ):
        cert_file.write(cert_pem)
        cert_file.flush()
        key_file.write(key_pem)
        key_file.flush()
        server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server.load_cert_chain(cert_file.name, key_file.name)
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return server, client


def start(handler: Handler, **kwargs) -> Controller:
    """Started on a free port; `tls_context` offers STARTTLS, `ssl_context` speaks TLS at once."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller
