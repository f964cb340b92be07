"""A fast reading of the small, plain multipart forms browsers send; Starlette's for the rest.

Starlette's parser (python-multipart, callbacks per header byte range, a temporary file
per file input) was the largest single cost of a web-form submission after the intake
left the request (`bench.webform`, py-spy: 17 % of `desk serve`'s time). A browser's form
of text fields, with an empty or small file input, is simple: this reads it with a few
`bytes.split` calls. Anything it does not recognise exactly — a body over SMALL_BODY or
without a length, a boundary or disposition with quoting it does not expect, folded or
other headers, a preamble or epilogue, a charset, more parts than allowed — goes to
Starlette's parser, which then gives the answer (and the error) it always gave.
`tests/desk/web/test_multipart.py` checks both give the same form."""

from __future__ import annotations

import io
import re

from starlette.datastructures import FormData, Headers, UploadFile
from starlette.requests import Request

SMALL_BODY = 256 * 1024  # larger bodies stream through Starlette's parser to disk
_BOUNDARY = re.compile(r"multipart/form-data;\s*boundary=([0-9A-Za-z'()+_,\-./:=?]{1,70})\s*\Z",
                       re.IGNORECASE)
_DISPOSITION = re.compile(rb'form-data; name="([^"\\\r\n]*)"(?:; filename="([^"\\\r\n]*)")?\Z')
_HEADER_NAMES = (b"content-disposition", b"content-type")


async def read_form(request: Request, max_files: int, max_fields: int) -> FormData:
    """The request's form; raises what `request.form()` raises on a form it cannot read."""
    content_type = request.headers.get("content-type", "")
    length = request.headers.get("content-length", "")
    match = _BOUNDARY.match(content_type)
    if match is not None and length.isdigit() and int(length) <= SMALL_BODY:
        body = await request.body()  # request.form() below reads it from here
        items = parse_simple(body, match.group(1).encode("ascii"), max_files, max_fields)
        if items is not None:
            return FormData(items)
    return await request.form(max_files=max_files, max_fields=max_fields)


def parse_simple(body: bytes, boundary: bytes, max_files: int,
                 max_fields: int) -> list[tuple[str, str | UploadFile]] | None:
    """The form's items in order, or None when the body is not of the simple kind."""
    delimiter = b"--" + boundary
    if not body.startswith(delimiter + b"\r\n"):
        return None
    pieces = body[len(delimiter) + 2:].split(b"\r\n" + delimiter)
    if pieces[-1] not in (b"--", b"--\r\n"):
        return None
    items: list[tuple[str, str | UploadFile]] = []
    files = fields = 0
    for index, piece in enumerate(pieces[:-1]):
        if index:
            if not piece.startswith(b"\r\n"):
                return None
            piece = piece[2:]
        head, separator, content = piece.partition(b"\r\n\r\n")
        if not separator:
            return None
        headers: list[tuple[bytes, bytes]] = []
        for line in head.split(b"\r\n"):
            name, colon, value = line.partition(b":")
            name = name.lower()
            if not colon or name not in _HEADER_NAMES or any(n == name for n, _v in headers):
                return None
            headers.append((name, value.lstrip(b" \t")))
        disposition = next((v for n, v in headers if n == b"content-disposition"), None)
        found = _DISPOSITION.match(disposition) if disposition is not None else None
        if found is None:
            return None
        field = _decode(found.group(1))
        filename = found.group(2)
        if filename is None:
            fields += 1
            if fields > max_fields or len(headers) != 1:
                return None
            items.append((field, _decode(content)))
            continue
        files += 1
        if files > max_files:
            return None
        items.append((field, UploadFile(file=_InMemory(content), size=len(content),
                                        filename=_decode(filename), headers=Headers(raw=headers))))
    return items


class _InMemory(io.BytesIO):
    """A file's bytes in memory; `_rolled` tells UploadFile so (as a SpooledTemporaryFile
    that never rolled to disk does), so it reads them without a thread. Nothing to close."""

    _rolled = False


def _decode(raw: bytes) -> str:
    """As Starlette decodes a part (UTF-8, its default charset; Latin-1 when not UTF-8)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
