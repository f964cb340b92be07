"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware on every request)."""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import time
from http.cookies import SimpleCookie
from typing import Any

from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from desk.i18n import LOCALES, from_accept_language
from desk.links import read_request_token
from desk.logs import current_address, current_context

log = logging.getLogger("desk.request")
LOCALE_COOKIE = "desk_locale"
# Private request links carry their token in the URL: never send it to other sites
# in a Referer. Pages are not to be framed by other sites, nor content sniffed.
SECURITY_HEADERS = (
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"x-content-type-options", b"nosniff"),
)
# On every HTML page: scripts and styles from Desk only (no inline script, no event-handler
# attributes), no plugins, no <base> tricks, forms post to Desk only. Images: Desk's own and
# data: URIs, so a customer's HTML mail cannot call home when an agent opens it. Inline
# style attributes stay allowed: sanitised mail keeps its formatting.
CONTENT_SECURITY_POLICY = (
    b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    b"frame-ancestors 'self'"
)
# Pages with staff or a customer's private data are never kept by a browser or proxy cache.
PRIVATE_PATHS = ("/agent", "/admin", "/api/", "/requests/", "/surveys/", "/reports", "/portal")
PUBLIC_UNDER_PRIVATE = ("/requests/new",)


def response_headers(path: str, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` with the security headers every Desk response carries."""
    names = {name.lower() for name, _ in headers}
    # Once each: a response that sets one itself (a download's nosniff) is not given a second.
    out = [*headers, *((n, v) for n, v in SECURITY_HEADERS if n not in names)]
    content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
    if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
        out.append((b"content-security-policy", CONTENT_SECURITY_POLICY))
    if path.startswith(PRIVATE_PATHS) and not path.startswith(PUBLIC_UNDER_PRIVATE) \
            and b"cache-control" not in names:
        out.append((b"cache-control", b"no-store"))
    return out


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def cookie_value(scope: Scope, name: str) -> str:
    raw = _header(scope, b"cookie")
    if name not in raw:
        return ""
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(raw)
    except Exception:  # noqa: BLE001 - a malformed cookie header is treated as absent
        return ""
    morsel = cookie.get(name)
    return morsel.value if morsel else ""


# The token of a customer's private link is as good as a password: never logged.
_PRIVATE_LINK = re.compile(r"^/requests/(?!received/)([^/]+)")
_RECEIVED_LINK = re.compile(r"^/requests/received/[^/?]+")  # leads to the private link
_SURVEY_LINK = re.compile(r"^/surveys/[^/?]+")
_PORTAL_LINK = re.compile(r"^/portal/enter/[^/?]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def loggable_path(path: str, secret_key: str) -> str:
    """The path as a log line may show it: control characters escaped (a CR/LF would forge
    a line), a private link's token replaced by its ticket number, a stored request's, a
    survey's or a portal sign-in link's token by what it is."""
    def ticket(match: re.Match[str]) -> str:
        ids = read_request_token(secret_key, match.group(1))
        return f"/requests/[ticket {ids[0]}]" if ids else "/requests/[not a valid link]"

    path = _PRIVATE_LINK.sub(ticket, path, count=1)
    path = _RECEIVED_LINK.sub("/requests/received/[request link]", path, count=1)
    path = _SURVEY_LINK.sub("/surveys/[survey link]", path, count=1)
    path = _PORTAL_LINK.sub("/portal/enter/[sign-in link]", path, count=1)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", path)


# Request ids: a random prefix per process and a counter (unique, and no system call per
# request as a random id each would cost).
_ID_PREFIX = secrets.token_hex(3)
_ID_COUNTER = itertools.count(1)


def _next_request_id() -> str:
    return f"{_ID_PREFIX}{next(_ID_COUNTER):06x}"


class RequestContext:
    """Request id, the visitor's locale, a size cap and one log line per request."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, secret_key: str,
                 hsts: bool = False) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.secret_key = secret_key
        # Served over https (DESK_BASE_URL): browsers are told to come back only that way.
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id")[:64] or _next_request_id()
        token = current_context.set(f"req={request_id}")
        client = scope.get("client")
        address_token = current_address.set(str(client[0])[:64] if client else "")
        chosen = cookie_value(scope, LOCALE_COOKIE)
        scope["desk.locale"] = (
            chosen if chosen in LOCALES else from_accept_language(_header(scope, b"accept-language"))
        )
        query = scope.get("query_string", b"")
        if b"%00" in query and not scope["path"].startswith("/api/"):
            # A NUL pasted into a page's search box or filter: no text Desk keeps holds one
            # (and PostgreSQL refuses to compare one), so pages search without it. The API
            # names the parameter in a 422 instead.
            scope["query_string"] = query.replace(b"%00", b"")
        length = _header(scope, b"content-length")
        status = 0
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = response_headers(scope["path"], list(message.get("headers", [])))
                headers.append((b"x-request-id", request_id.encode()))
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                # Server time until the response starts: what benchmarks read.
                server_ms = (time.perf_counter() - started) * 1000
                headers.append((b"server-timing", f"app;dur={server_ms:.2f}".encode()))
                message["headers"] = headers
            await send(message)

        try:
            if length.isdigit() and int(length) > self.max_body_bytes:
                await _too_large(send_wrapper)
            else:
                await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            if log.isEnabledFor(logging.INFO):
                log.info("%s %s %s %.1fms", scope["method"],
                         loggable_path(scope["path"], self.secret_key), status, elapsed)
            current_context.reset(token)
            current_address.reset(address_token)


async def _too_large(send: Send) -> None:
    body = b'{"error": "request too large"}'
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# Staff pages, and the portal's sign-in button, whose form carries a CSRF token.
STAFF_PATHS = ("/agent", "/admin", "/reports", "/portal")


class StaffSessions:
    """Signed-cookie sessions for staff pages (and the customer portal's forms) only: the
    public form and the API never read a session, so they skip the cookie work on every
    request."""

    def __init__(self, app: ASGIApp, *args: Any, **session_options: Any) -> None:
        self.app = app
        self.with_session = SessionMiddleware(app, *args, **session_options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(STAFF_PATHS):
            await self.with_session(scope, receive, send)
        else:
            await self.app(scope, receive, send)
