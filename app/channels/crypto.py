"""Channel credentials at rest: sealed with a key of their own derived from the secret key."""

import json

from app.security import seal, unseal

PURPOSE = "carepost channel credentials"


def encrypt(credentials: dict) -> str:
    return seal(PURPOSE, json.dumps(credentials))


def decrypt(token: str) -> dict:
    """The credentials; a changed secret key makes them unreadable, which asks for a reconnect."""
    try:
        return json.loads(unseal(PURPOSE, token))
    except ValueError:
        raise ValueError(
            "the channel's credentials cannot be read with the current secret key"
        ) from None
