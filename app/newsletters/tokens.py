"""Tokens in e-mail links and addresses: HMACs of what they stand for, keyed from the secret key.

They reveal nothing (no id, no address) and cannot be guessed (128 bits); carepost stores each one
beside the row it stands for and finds the row by it.
"""

import base64
import hashlib
import hmac

from app.settings import get_settings


def _key() -> bytes:
    # A key of its own, derived from the secret, so links never share one with cookies or credentials.
    return hashlib.sha256(b"carepost e-mail links\x00" + get_settings().secret().encode()).digest()


def _mac(*parts: str) -> bytes:
    return hmac.new(_key(), "\x1f".join(parts).encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def token(*parts: str) -> str:
    """22 characters standing for `parts` (say "newsletter", its id, the contact's id)."""
    return _b64(_mac(*parts)[:16])


def link_signature(token_: str, url: str) -> str:
    """Signs a tracked link so the redirect cannot be used to send anyone anywhere else."""
    return _b64(_mac("click", token_, url)[:12])


def link_is_signed(token_: str, url: str, signature: str) -> bool:
    return hmac.compare_digest(link_signature(token_, url), signature)
