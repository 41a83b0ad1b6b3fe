"""Kannel, a self-hosted SMS gateway (SMPP carriers or a GSM modem): sendsms out, DLRs and replies in."""

import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlencode

import requests

from connectors.base import ErrorKind, TimeoutSession, transport_error
from connectors.gsm import is_gsm7
from connectors.sms import OutgoingSms, SentSms, SmsError

NAME = "Kannel"
DLR_MASK = 1 | 2 | 4 | 8 | 16  # delivered, undelivered, buffered at the SMSC, SMSC ack, SMSC nack
# Kannel's DLR types as provider statuses.
DLR_STATUS = {1: "delivered", 2: "undelivered", 4: "sending", 8: "sent", 16: "failed"}


def sign(secret: str, value: str) -> str:
    """The HMAC-SHA256 of a value (a message reference, or the word 'inbound') under the shared secret."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def verify(secret: str | None, value: str, signature: str | None) -> bool:
    """Constant-time check of a signature made by `sign`; no secret configured means no access."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(sign(secret, value), signature)


def dlr_status(kind: str | int | None) -> str | None:
    """The provider status of a Kannel DLR type (%d), None when it is not one."""
    try:
        return DLR_STATUS.get(int(kind))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class KannelConnector:
    kind = "kannel"

    def __init__(
        self,
        sendsms_url: str,
        username: str,
        password: str,
        *,
        sender: str | None = None,
        dlr_url: str | None = None,
        secret: str | None = None,
        session: requests.Session | None = None,
    ):
        self.sendsms_url = sendsms_url
        self.username = username
        self.password = password
        self.sender = sender
        self.dlr_url = dlr_url  # carepost's /webhooks/kannel/dlr
        self.secret = secret
        self.session = session or TimeoutSession()

    def _dlr(self, reference: str) -> str:
        query = urlencode({"ref": reference, "sig": sign(self.secret or "", reference)})
        # %d is replaced by Kannel with the DLR type; it must stay unescaped.
        return f"{self.dlr_url}?{query}&type=%d"

    def request_params(self, message: OutgoingSms) -> dict[str, str]:
        """The sendsms query: UTF-8 text, UCS-2 coding when GSM-7 cannot carry it."""
        params = {
            "username": self.username,
            "password": self.password,
            "to": message.to,
            "text": message.body,
            "charset": "UTF-8",
            "coding": "0" if is_gsm7(message.body) else "2",
        }
        if self.sender:
            params["from"] = self.sender
        if self.dlr_url and message.reference:
            params["dlr-mask"] = str(DLR_MASK)
            params["dlr-url"] = self._dlr(message.reference)
        return params

    def send(self, message: OutgoingSms) -> SentSms:
        """Kannel answers 202 '0: Accepted for delivery' (or '3: Queued for later delivery')."""
        try:
            response = self.session.get(self.sendsms_url, params=self.request_params(message))
        except requests.RequestException as error:
            raise transport_error(error, NAME) from None
        text = response.text.strip()
        if response.status_code in (200, 202) and text[:1] in ("0", "3"):
            return SentSms(f"kannel-{message.reference or ''}", "queued")
        if response.status_code in (401, 403):
            raise SmsError(
                ErrorKind.final,
                "Kannel refused the user name or password; an administrator must check them",
                code=str(response.status_code),
                reconnect=True,
            )
        if response.status_code == 503 or response.status_code >= 500:
            raise SmsError(
                ErrorKind.retryable, "Kannel is not ready; carepost will try again", code="503"
            )
        raise SmsError(
            ErrorKind.final,
            f"Kannel refused the SMS ({response.status_code}: {text[:80]})",
            code=str(response.status_code),
        )

    @staticmethod
    def find_sent(_message: OutgoingSms, _since: datetime) -> SentSms | None:
        """Kannel keeps no searchable record of sent messages: an unknown outcome stays uncertain."""
        return None

    def test_connection(self) -> str:
        status_url = self.sendsms_url.replace("/cgi-bin/sendsms", "/")
        try:
            self.session.get(status_url)
        except requests.RequestException as error:
            raise transport_error(error, NAME) from None
        return f"Kannel at {status_url}"
