"""What the parser needs done to raw bytes around it: a header block made readable
(a stray line before it, lines that lost their folding indent), the mail's own id (a bare
Message-ID, or one made from its content), and uuencoded bodies without a `begin` line."""

from __future__ import annotations

import binascii
import hashlib
import re

from channels.email import headers, rawparts

# Headers a relay adds on the way: the same mail delivered twice differs only in them.
_TRACE = (b"received:", b"return-path:", b"delivered-to:", b"x-original-to:", b"x-received:",
          b"arc-", b"x-gm-", b"x-google-", b"authentication-results:", b"x-spam", b"x-virus",
          b"dkim-signature:", b"x-ms-exchange-", b"x-forefront-", b"x-microsoft-")

_HEADER_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]{1,80}:")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def readable_head(data: bytes) -> bytes:
    """The mail without a stray first line or two before its headers ("---- Original email
    message ----", as some forwarding tools write), and with header lines that lost their
    folding indent joined to the header above: either would make the rest of it body."""
    data = _without_leading_junk(data)
    end = _BLANK_LINE.search(data)
    head = data[: end.start()] if end else data
    lines = head.split(b"\n")
    broken = [i for i, line in enumerate(lines[1:], 1)
              if line[:1] not in (b" ", b"\t") and not _HEADER_LINE.match(line)]
    if not broken:
        return data
    last_header = max((i for i, line in enumerate(lines) if _HEADER_LINE.match(line)), default=0)
    for i in broken:
        if i < last_header:  # more headers follow: a lost indent, not the body's start
            lines[i] = b" " + lines[i]
    return b"\n".join(lines) + data[len(head):]


def _without_leading_junk(data: bytes) -> bytes:
    if _HEADER_LINE.match(data) or data.startswith(b"From "):
        return data
    start = 0
    for _ in range(3):
        end = data.find(b"\n", start)
        if end < 0 or not data[start:end].strip(b"\r") or b":" in data[start:end][:80].split(b" ")[0]:
            return data
        start = end + 1
        if _HEADER_LINE.match(data, start) and _HEADER_LINE.match(data, data.find(b"\n", start) + 1):
            return data[start:]
    return data


def own_id(value: str | None, data: bytes) -> str:
    """The mail's Message-ID; a bare one (no angle brackets) gets them; a mail without one
    gets an id made from its content, so the same mail imported twice is recognised."""
    ids = headers.message_ids(value)
    if ids:
        return ids[0]
    bare = headers.raw_text(value or "").split()
    if len(bare) == 1 and "@" in bare[0] and len(bare[0]) < 990:
        return f"<{bare[0].strip('<>')}>"
    return f"<{_content_hash(data)}@no-message-id.invalid>"


def _content_hash(data: bytes) -> str:
    """SHA-256 of the mail without the trace headers relays add on the way."""
    head, body = rawparts.split_head(data)
    digest = hashlib.sha256()
    keep = True
    for line in head.splitlines():
        if line[:1] not in (b" ", b"\t"):
            keep = not line.lower().startswith(_TRACE)
        if keep:
            digest.update(line.rstrip() + b"\n")
    digest.update(b"\n")
    digest.update(body.replace(b"\r\n", b"\n").rstrip())
    return digest.hexdigest()[:40]


def uudecode(text: object) -> bytes:
    """A uuencoded body, with or without its "begin 644 name" line."""
    if not isinstance(text, str):
        return b""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("begin "):
            lines = lines[index + 1:]
            break
    out = bytearray()
    for line in lines:
        if line.strip() in ("end", "`", ""):
            if line.strip() == "end":
                break
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            # Some encoders pad short lines wrongly: decode what the length byte announces.
            length = (ord(line[0]) - 32) & 63
            out += binascii.a2b_uu(line[: ((length + 2) // 3) * 4 + 1])
    return bytes(out)
