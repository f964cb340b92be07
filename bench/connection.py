"""A tiny HTTP/1.1 keep-alive client on asyncio streams, cheap enough to load a server.

A load generator on a 2-core machine competes with the server for CPU, so this one
does the least a browser must: hand-rolled request bytes, the status line, the
headers it needs (Content-Length, chunked, Set-Cookie, Server-Timing) and the body.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urlencode

_HIDDEN = re.compile(rb"<input\b[^>]*\btype=[\"']?hidden[^>]*>", re.IGNORECASE)
_ATTR = re.compile(rb"""([a-zA-Z_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float  # client round trip, request written to body read

    @property
    def server_ms(self) -> float | None:
        """The app's own time, from ``Server-Timing: app;dur=<ms>``."""
        raw = self.headers.get("server-timing", "")
        for part in raw.split(","):
            name, _, params = part.strip().partition(";")
            if name == "app" and "dur=" in params:
                return float(params.split("dur=", 1)[1].split(";", 1)[0])
        return None


@dataclass
class Connection:
    """One keep-alive connection with the cookie jar of one browser."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # sent with every request
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def get(self, path: str) -> Response:
        return await self.request("GET", path)

    async def post_form(self, path: str, fields: dict[str, str]) -> Response:
        return await self.post(path, urlencode(fields).encode())

    async def post(self, path: str, urlencoded: bytes) -> Response:
        return await self.request("POST", path, urlencoded, "application/x-www-form-urlencoded")

    async def request(self, method: str, path: str, body: bytes = b"",
                      content_type: str = "") -> Response:
        reader, writer = await self._open()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                "User-Agent: desk-bench", "Accept: text/html"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        head.extend(f"{k}: {v}" for k, v in self.headers.items())
        if body or method == "POST":
            head.append(f"Content-Type: {content_type}")
            head.append(f"Content-Length: {len(body)}")
        started = time.perf_counter()
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        try:
            response = await self._read(reader, method, started)
        except BaseException:
            self.close()
            raise
        if response.headers.get("connection", "").lower() == "close":
            self.close()
        return response

    async def _read(self, reader: asyncio.StreamReader, method: str,
                    started: float) -> Response:
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            name = name.strip().lower()
            value = value.strip()
            if name == "set-cookie":
                self._keep_cookie(value)
            headers[name] = value
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await _read_chunked(reader)
        else:
            body = await reader.read()
            self.close()
        return Response(status, headers, body, time.perf_counter() - started)

    def _keep_cookie(self, value: str) -> None:
        pair, _, attrs = value.partition(";")
        name, _, cookie = pair.strip().partition("=")
        expired = "max-age=0" in attrs.lower().replace(" ", "") or cookie in ("", '""', "null")
        if expired:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = cookie


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers from our servers
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def hidden_inputs(page: bytes) -> dict[str, str]:
    """name -> value of every hidden <input> of a page, as a browser would submit them."""
    fields: dict[str, str] = {}
    for tag in _HIDDEN.findall(page):
        attrs = {m[0].lower(): (m[1] or m[2]) for m in _ATTR.findall(tag)}
        if attrs.get(b"type", b"").lower() == b"hidden" and attrs.get(b"name"):
            fields[unescape(attrs[b"name"].decode())] = unescape(attrs.get(b"value", b"").decode())
    return fields


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest-rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[rank]


def run(coro_main: object) -> object:
    """asyncio.run with uvloop when installed (it leaves more CPU to the server)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro_main)  # type: ignore[arg-type]
    return uvloop.run(coro_main)  # type: ignore[arg-type]
