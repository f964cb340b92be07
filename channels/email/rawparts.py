"""The bytes of one MIME part exactly as they came, found by its position in the tree.

Python's parser rebuilds a part when asked for its bytes (headers refolded, CRLF turned
into LF); an attached mail must be kept as sent. This walks the raw bytes by the
multipart boundaries instead, only when such a part is found.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from collections.abc import Sequence

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_FOLD = re.compile(rb"\r?\n[ \t]+")
_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"]+)"|([^\s;"]+))', re.IGNORECASE)
_ENCODING = re.compile(rb"^content-transfer-encoding\s*:\s*([\w-]+)", re.IGNORECASE | re.MULTILINE)


def split_head(data: bytes) -> tuple[bytes, bytes]:
    """(header block, body) of a message or part; no body when there is no blank line."""
    if data.startswith((b"\r\n", b"\n")):
        return b"", data[2 if data.startswith(b"\r\n") else 1:]
    end = _HEAD_END.search(data)
    if end is None:
        return data, b""
    return data[: end.start()], data[end.end():]


def body_at(raw: bytes, path: Sequence[int]) -> bytes | None:
    """The decoded body of the part reached from the message `raw` by child indexes `path`
    (through multiparts), or None when the raw bytes do not have that shape."""
    part = raw
    for index in path:
        head, body = split_head(part)
        boundary = _boundary(head)
        if boundary is None:
            return None
        children = _children(body, boundary)
        if index >= len(children):
            return None
        part = children[index]
    head, body = split_head(part)
    encoding = _ENCODING.search(_FOLD.sub(b" ", head))
    name = encoding.group(1).lower() if encoding else b"7bit"
    try:
        if name == b"base64":
            return base64.b64decode(b"".join(body.split()))
        if name == b"quoted-printable":
            return quopri.decodestring(body)
    except (binascii.Error, ValueError):
        return None
    return body


def _boundary(head: bytes) -> bytes | None:
    for line in _FOLD.sub(b" ", head).splitlines():
        if line[:13].lower() == b"content-type:":
            found = _BOUNDARY.search(line)
            return (found.group(1) or found.group(2)) if found else None
    return None


def _children(body: bytes, boundary: bytes) -> list[bytes]:
    """The parts between the delimiter lines `--boundary` (the line break before a delimiter
    belongs to it); preamble and epilogue left out."""
    delimiter = re.compile(rb"(?:^|\r?\n)--" + re.escape(boundary) + rb"(--)?[ \t]*(?:\r?\n|$)")
    parts: list[bytes] = []
    start: int | None = None
    for match in delimiter.finditer(body):
        if start is not None:
            parts.append(body[start: match.start()])
        if match.group(1):
            break
        start = match.end()
    return parts


# --- lifting large base64 bodies out before the parser sees them ----------------------------

LIFT_MIN = 8192  # smaller bodies cost the parser little
_LIFTED = re.compile(r"^!desk-lifted-(\d+)!\s*$")
_CONTENT_TYPE = re.compile(rb"^content-type\s*:\s*([\w.+-]+/[\w.+-]+)", re.IGNORECASE | re.MULTILINE)


def lift(raw: bytes) -> tuple[bytes, list[bytes]]:
    """`raw` with every base64 body longer than LIFT_MIN replaced by a short token, and the
    bodies taken out. Python's parser steps through a body line by line (most of its time on
    mail with attachments); a lifted body is decoded in one C call instead (`lifted_payload`).
    Mail whose structure cannot be followed is returned whole."""
    spans: list[tuple[int, int]] = []
    try:
        _find_large(raw, 0, len(raw), spans, depth=0)
    except _Unfollowable:
        return raw, []
    if not spans:
        return raw, []
    out: list[bytes] = []
    bodies: list[bytes] = []
    pos = 0
    for n, (start, end) in enumerate(spans):
        out.append(raw[pos:start])
        out.append(b"!desk-lifted-%d!\r\n" % n)
        bodies.append(raw[start:end])
        pos = end
    out.append(raw[pos:])
    return b"".join(out), bodies


def lifted_payload(payload: object, bodies: list[bytes]) -> bytes | None:
    """The decoded body a token stands for (None when `payload` is no token of ours)."""
    if not bodies or not isinstance(payload, str) or not payload.startswith("!desk-lifted-"):
        return None
    found = _LIFTED.match(payload)
    if found is None or int(found.group(1)) >= len(bodies):
        return None
    data = bodies[int(found.group(1))]
    try:
        return binascii.a2b_base64(data)  # skips line breaks and other non-alphabet bytes
    except binascii.Error:  # bad padding: what the parser would have done
        from email._encoded_words import decode_b  # noqa: PLC0415 - rare path

        return decode_b(b"".join(data.split()))[0]


class _Unfollowable(Exception):
    pass


def _find_large(raw: bytes, start: int, end: int, spans: list[tuple[int, int]], depth: int) -> None:
    if depth > 20:
        raise _Unfollowable
    blank = _HEAD_END.search(raw, start, end)
    if blank is None:
        return
    head = _FOLD.sub(b" ", raw[start: blank.start()])
    body_start = blank.end()
    ctype_match = _CONTENT_TYPE.search(head)
    ctype = ctype_match.group(1).lower() if ctype_match else b"text/plain"
    if ctype.startswith(b"multipart/"):
        boundary = _boundary(head)
        if boundary is None:
            return
        for child_start, child_end in _child_spans(raw, body_start, end, boundary):
            _find_large(raw, child_start, child_end, spans, depth + 1)
        return
    encoding = _ENCODING.search(head)
    name = encoding.group(1).lower() if encoding else b"7bit"
    if ctype == b"message/rfc822" and name not in (b"base64", b"quoted-printable"):
        _find_large(raw, body_start, end, spans, depth + 1)
    elif name == b"base64" and end - body_start > LIFT_MIN:
        spans.append((body_start, end))


def _child_spans(raw: bytes, start: int, end: int, boundary: bytes) -> list[tuple[int, int]]:
    """(start, end) of each part between `--boundary` lines within raw[start:end]."""
    marker = b"--" + boundary
    spans: list[tuple[int, int]] = []
    child: int | None = None
    pos = start
    while True:
        at = raw.find(marker, pos, end)
        if at < 0:
            if child is not None:
                raise _Unfollowable  # no closing delimiter: let the parser decide
            return spans
        line_start = at == start or raw[at - 1: at] == b"\n"
        after = at + len(marker)
        closing = raw[after: after + 2] == b"--"
        line_end = raw.find(b"\n", after, end)
        rest = raw[after + (2 if closing else 0): line_end if line_end >= 0 else end]
        if not line_start or rest.strip(b" \t\r"):
            pos = after  # the marker inside a longer boundary or a line of text
            continue
        if child is not None:
            cut = at - 1 if raw[at - 1: at] == b"\n" else at
            if raw[cut - 1: cut] == b"\r":
                cut -= 1
            spans.append((child, max(child, cut)))
        if closing:
            return spans
        child = line_end + 1 if line_end >= 0 else end
        pos = child
