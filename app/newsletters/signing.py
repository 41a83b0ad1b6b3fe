"""DKIM signatures (RFC 6376) with the key parsed once: the headers carepost wrote are canonicalized
here, dkimpy canonicalizes the body and folds the header, OpenSSL (through `cryptography`) makes
the RSA signature; receivers (and the tests) verify it with dkimpy.

`dkim.sign` parses the PEM key and computes the RSA signature in pure Python on every call (some
25 ms a message with a 2048-bit key); a newsletter is thousands of messages with one key.
"""

import base64
import hashlib
import re
import time
from functools import lru_cache

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, utils
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from dkim.canonicalization import CanonicalizationPolicy

_POLICY = CanonicalizationPolicy.from_c_value(b"relaxed/simple")  # dkimpy's default too
_NAME = b"DKIM-Signature"


class Signer:
    """Signs messages for one domain and selector with one RSA key."""

    def __init__(self, private_pem: bytes, *, selector: str, domain: str):
        key = serialization.load_pem_private_key(private_pem, password=None)
        if not isinstance(key, RSAPrivateKey):
            raise ValueError("the DKIM key must be an RSA key")
        self.key, self.selector, self.domain = key, selector.encode(), domain.encode()

    def header(self, head: bytes, body: bytes, include_headers: list[bytes]) -> bytes:
        """The `DKIM-Signature: …` line(s) to put before a message's own headers: `head` is the
        header block (each line ending in CRLF, without the empty line after it), `body` the
        CRLF-separated body. Headers are canonicalized "relaxed" and the body "simple", the
        message is built by carepost, so each header appears once."""
        fields = _fields(head)
        include = [name.lower() for name in include_headers]
        body_hash = base64.b64encode(hashlib.sha256(_POLICY.canonicalize_body(body)).digest())
        tags = [
            (b"v", b"1"),
            (b"a", b"rsa-sha256"),
            (b"c", _POLICY.to_c_value()),
            (b"d", self.domain),
            (b"i", b"@" + self.domain),
            (b"q", b"dns/txt"),
            (b"s", self.selector),
            (b"t", str(int(time.time())).encode()),
            (b"h", b" : ".join(include)),
            (b"bh", body_hash),
            (b"b", b"0" * 60),  # folds b= onto a line of its own, as dkimpy does
        ]
        value = dkim.fold(b"; ".join(b"=".join(t) for t in tags), namelen=len(_NAME))
        value = value[: value.rindex(b"b=") + 2]  # the last tag, b=: its placeholder goes
        hasher = hashlib.sha256()
        for name in include:
            if name in fields:
                hasher.update(name + b":" + _relaxed(fields[name]) + b"\r\n")
        # The signature's own header goes last, with b= empty and no line end (RFC 6376 3.7).
        hasher.update(_NAME.lower() + b":" + _relaxed(value))
        signature = self.key.sign(
            hasher.digest(), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())
        )
        tags[-1] = (b"b", base64.b64encode(signature))
        value = b"; ".join(b"=".join(t) for t in tags) + b"\r\n"
        return _NAME + b": " + dkim.fold(value, namelen=len(_NAME))


_WSP = re.compile(rb"[\t ]+")


def _relaxed(value: bytes) -> bytes:
    """A header value canonicalized "relaxed" (RFC 6376 3.4.2): unfolded, runs of spaces and tabs
    made one space, no space at either end."""
    return _WSP.sub(b" ", value.replace(b"\r\n", b"")).strip()


def _fields(head: bytes) -> dict[bytes, bytes]:
    """Each header's raw value (folded lines kept) by its lower-case name."""
    fields: dict[bytes, bytes] = {}
    name = b""
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            fields[name] += b"\r\n" + line
        elif line:
            raw, _, value = line.partition(b":")
            name = raw.rstrip().lower()
            fields[name] = value
    return fields


@lru_cache(maxsize=8)
def signer(private_pem: bytes, selector: str, domain: str) -> Signer:
    """One Signer per key, selector and domain for the life of the process."""
    return Signer(private_pem, selector=selector, domain=domain)
