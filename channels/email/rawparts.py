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
