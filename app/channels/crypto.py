"""Channel credentials at rest: Fernet (AES-128-CBC + HMAC) keyed from the secret key."""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken

from app.settings import get_settings


def _fernet() -> Fernet:
    # A separate key for this purpose, derived from the secret, so cookies and credentials never share one.
    digest = hashlib.sha256(
        b"carepost channel credentials\x00" + get_settings().secret().encode()
    ).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(credentials: dict) -> str:
    return _fernet().encrypt(json.dumps(credentials).encode()).decode()


def decrypt(token: str) -> dict:
    """The credentials; a changed secret key makes them unreadable, which asks for a reconnect."""
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ValueError(
            "the channel's credentials cannot be read with the current secret key"
        ) from None
