"""The fast multipart reading gives exactly Starlette's form, or leaves the body to it."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from starlette.datastructures import UploadFile
from starlette.requests import Request

from desk.web.multipart import SMALL_BODY, parse_simple, read_form

BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"


def _request(body: bytes, content_type: str) -> Request:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/requests", "query_string": b"",
             "headers": [(b"content-type", content_type.encode()),
                         (b"content-length", str(len(body)).encode())]}
    return Request(scope, receive)


async def _described(items: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name, value in items:
        if isinstance(value, UploadFile):
            out.append((name, ("file", value.filename, value.content_type,
                               list(value.headers.raw), await value.read(), value.size)))
        else:
            out.append((name, value))
    return out


def _both(body: bytes, boundary: str = BOUNDARY) -> tuple[Any, Any, bool]:
    """(fast form, Starlette's form, whether the fast reading took it)."""
    content_type = f"multipart/form-data; boundary={boundary}"

    async def read(fast: bool) -> Any:
        request = _request(body, content_type)
        try:
            form = await (read_form(request, max_files=100, max_fields=50) if fast
                          else request.form(max_files=100, max_fields=50))
        except Exception as exc:  # noqa: BLE001 - a refusal is compared like a form
            return ("refused", type(exc).__name__)
        try:
            return await _described(form.multi_items())
        finally:
            await form.close()

    async def run() -> tuple[Any, Any, bool]:
        took = parse_simple(body, boundary.encode(), 100, 50) is not None
        return await read(True), await read(False), took

    return asyncio.run(run())


def _part(name: str, value: bytes, filename: str | None = None,
          content_type: str | None = None) -> bytes:
    head = f'Content-Disposition: form-data; name="{name}"'
    if filename is not None:
        head += f'; filename="{filename}"'
    if content_type is not None:
        head += f"\r\nContent-Type: {content_type}"
    return head.encode() + b"\r\n\r\n" + value


def _body(parts: list[bytes], boundary: str = BOUNDARY) -> bytes:
    delimiter = b"--" + boundary.encode()
    return b"".join(delimiter + b"\r\n" + p + b"\r\n" for p in parts) + delimiter + b"--\r\n"


BROWSER_FORM = _body([
    _part("name", "Zhang Wei 张伟".encode()), _part("email", b"wei@example.com"),
    _part("subject", "打印机坏了".encode()), _part("message", b"It is off.\r\nSince Monday.\r\n"),
    _part("attachments", b"", "", "application/octet-stream"), _part("website", b""),
])


def test_a_browsers_request_form_reads_the_same_both_ways() -> None:
    fast, slow, took = _both(BROWSER_FORM)
    assert took
    assert fast == slow
    assert dict(fast)["subject"] == "打印机坏了"
    assert dict(fast)["message"] == "It is off.\r\nSince Monday.\r\n"


def test_files_keep_their_bytes_names_and_types() -> None:
    data = bytes(range(256)) * 40 + b"\r\n--not-the-boundary\r\n"
    body = _body([_part("message", b"see attached"),
                  _part("attachments", data, "报告 2026.pdf", "application/pdf"),
                  _part("attachments", b"x", "note.txt")])
    fast, slow, took = _both(body)
    assert took
    assert fast == slow
    assert fast[1][1][1:3] == ("报告 2026.pdf", "application/pdf")
    assert fast[1][1][4] == data


@pytest.mark.parametrize("body", [
    # A preamble before the first boundary, and an epilogue after the last.
    b"preamble\r\n" + BROWSER_FORM,
    BROWSER_FORM + b"epilogue",
    # Quoting the fast reading does not expect: escapes, RFC 2231 names, a folded header.
    _body([b'Content-Disposition: form-data; name="a\\"b"\r\n\r\nx']),
    _body([b"Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''%E6%8A%A5.pdf\r\n\r\nx"]),
    _body([b'Content-Disposition: form-data;\r\n name="a"\r\n\r\nx']),
    # A header it does not read, a field with a content type, no disposition at all.
    _body([_part("a", b"x") .replace(b"\r\n\r\n", b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")]),
    _body([_part("a", b"x", None, "text/plain")]),
    _body([b"Content-Type: text/plain\r\n\r\nx"]),
])
def test_what_the_fast_reading_does_not_take_reads_as_starlette_reads_it(body: bytes) -> None:
    fast, slow, took = _both(body)
    assert fast == slow
    assert not took


def test_text_that_is_not_utf8_reads_as_latin1_as_starlette_reads_it() -> None:
    fast, slow, took = _both(_body([_part("message", "Grüße".encode("latin-1"))]))
    assert took
    assert fast == slow == [("message", "Grüße")]


def test_a_body_over_the_small_limit_or_an_unexpected_boundary_goes_to_starlette() -> None:
    big = _body([_part("message", b"x" * (SMALL_BODY + 1))])
    fast, slow, _took = _both(big)
    assert fast == slow
    quoted = '"quoted boundary"'
    body = _body([_part("a", b"x")], "quoted boundary")
    fast, slow, _took = _both(body, quoted)
    assert fast == slow == [("a", "x")]


def test_random_forms_read_the_same_both_ways() -> None:
    rng = random.Random(7)
    alphabet = "abcXYZ019 _-.:;,/?=+'()张伟打印机Ω\r\n\"\\%"
    for _ in range(300):
        parts = []
        for _p in range(rng.randint(1, 6)):
            name = "".join(rng.choice(alphabet) for _c in range(rng.randint(0, 8)))
            value = "".join(rng.choice(alphabet) for _c in range(rng.randint(0, 40))).encode()
            if rng.random() < 0.3:
                filename = "".join(rng.choice(alphabet) for _c in range(rng.randint(0, 8)))
                parts.append(_part(name, value, filename, rng.choice([None, "image/png"])))
            else:
                parts.append(_part(name, value))
        body = _body(parts)
        fast, slow, _took = _both(body)
        assert fast == slow, body
