"""Time-based one-time passwords (RFC 6238, the codes of authenticator apps): HMAC-SHA1,
30-second steps, six digits. Pure: the caller keeps the secret and the last step taken."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP = 30
DIGITS = 6
DRIFT = 1  # steps either side of now a code is still taken for (a clock off by 30 s)


def new_secret() -> str:
    """160 random bits (RFC 4226's recommendation) in base32, as apps take them."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def step_at(when: float) -> int:
    return int(when // STEP)


def code_at(secret: str, step: int) -> str:
    """The code for time step ``step`` (RFC 4226's HOTP with the step as counter)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** DIGITS).zfill(DIGITS)


def matching_step(secret: str, code: str, after: int, when: float | None = None) -> int | None:
    """The time step, later than ``after`` and within DRIFT of now, whose code is ``code``;
    None when there is none (wrong, too old, or already taken: steps up to ``after`` are)."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_at(time.time() if when is None else when)
    found = None
    for step in range(now - DRIFT, now + DRIFT + 1):
        # Every candidate compared, in constant time, so timing tells nothing of which matched.
        if hmac.compare_digest(code_at(secret, step), code) and step > after and found is None:
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads (by QR code or pasted)."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1",
                       "digits": DIGITS, "period": STEP})
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
