"""A receiver verifies a webhook with nothing but the standard library: the snippet the README
gives, run here against Desk's own signature."""

from __future__ import annotations

import hashlib
import hmac
import time

from channels.webhooks.signing import signature


# The README's snippet, as a receiver would paste it.
def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    timestamp = headers["X-Desk-Timestamp"]
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False  # not a timestamp, or too old (a replay)
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + mac.hexdigest(), headers["X-Desk-Signature"])


def test_the_readme_snippet_verifies_a_signature_and_refuses_a_forgery_or_a_replay() -> None:
    secret, body = "whsec_test", '{"type":"ticket.created","ticket":{"subject":"发票"}}'.encode()
    stamp = int(time.time())
    headers = {"X-Desk-Timestamp": str(stamp), "X-Desk-Signature": signature(secret, stamp, body)}
    assert verify(secret, headers, body)
    assert not verify("whsec_other", headers, body)
    assert not verify(secret, headers, body.replace("发票".encode(), b"x"))
    old = stamp - 3600
    assert not verify(secret, {"X-Desk-Timestamp": str(old),
                               "X-Desk-Signature": signature(secret, old, body)}, body)
