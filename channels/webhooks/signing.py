"""The signature on every webhook: `X-Desk-Signature: sha256=<hex>`, the HMAC-SHA256 with the
webhook's secret of `"<X-Desk-Timestamp>.<body>"`. A receiver recomputes it over the raw body,
compares in constant time, and refuses a timestamp far from its clock (a replay)."""

from __future__ import annotations

import hashlib
import hmac

TOLERANCE = 300  # seconds a receiver should accept between the timestamp and its clock


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, header: str, now: float,
           tolerance: int = TOLERANCE) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), header)
