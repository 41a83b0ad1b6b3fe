"""Password hashing, API token generation and CSRF token helpers."""

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps login timing equal for unknown names.
_DUMMY_HASH = _hasher.hash("carepost-dummy-password")
TOKEN_PREFIX = "cp_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when password matches; always does the same work, even with no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
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
