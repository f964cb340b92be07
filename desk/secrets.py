"""Secrets at rest (mailbox passwords): encrypted with a key derived from DESK_SECRET_KEY.

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`; the key is HKDF-SHA256 of the
secret key with its own info string, so it never equals the key that signs sessions.
Changing DESK_SECRET_KEY makes stored passwords unreadable: `decrypt` then raises
SecretError and the mailbox page asks for the passwords again."""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


class SecretError(ValueError):
    """A stored secret cannot be read with this DESK_SECRET_KEY."""


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    # `cryptography` loads on first use (about 50 ms): most processes never touch a password.
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"desk secrets at rest v1").derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret_key: str, plaintext: str) -> str:
    """The ciphertext of `plaintext` as ASCII text; "" stays "" (no secret set)."""
    if not plaintext:
        return ""
    return _fernet(secret_key).encrypt(plaintext.encode()).decode("ascii")


def decrypt(secret_key: str, ciphertext: str) -> str:
    if not ciphertext:
        return ""
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(secret_key).decrypt(ciphertext.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise SecretError("a stored password cannot be decrypted with this DESK_SECRET_KEY; "
                          "enter it again") from None
