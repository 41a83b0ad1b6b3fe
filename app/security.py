"""Password hashing, API token generation, CSRF token helpers and secrets sealed at rest."""

import base64
import hashlib
import hmac
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken

from app.settings import get_settings

_hasher = PasswordHasher()
TOKEN_PREFIX = "cp_"


@cache
def _dummy_hash() -> str:
    """Verifying against this when the user does not exist keeps login timing equal for unknown
    names; made on first use, not by every process that imports this module (delivery workers)."""
    return _hasher.hash("carepost-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when password matches; always does the same work, even with no hash."""
    try:
        verified = _hasher.verify(password_hash or _dummy_hash(), password)
        return verified and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_api_token() -> tuple[str, str, str]:
    """A fresh token as (plain text shown once, display prefix, stored hash)."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return plain, plain[:10], hash_token(plain)


def hash_token(plain: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough to make the stored value useless.
    return hashlib.sha256(plain.encode()).hexdigest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_secret(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and hmac.compare_digest(given, expected)


def _fernet(purpose: str) -> Fernet:
    # A key per purpose, derived from the secret key, so cookies and sealed values never share one.
    digest = hashlib.sha256(purpose.encode() + b"\x00" + get_settings().secret().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(purpose: str, plain: str) -> str:
    """plain encrypted and authenticated (Fernet: AES-128-CBC + HMAC) under purpose's key."""
    return _fernet(purpose).encrypt(plain.encode()).decode()


def unseal(purpose: str, sealed: str) -> str:
    """The plain text of seal(purpose, ...); ValueError when the secret key has changed since."""
    try:
        return _fernet(purpose).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise ValueError("the value cannot be read with the current secret key") from None
