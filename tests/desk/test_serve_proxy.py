"""`desk serve` believes X-Forwarded-For only from the proxies --forwarded-allow-ips names:
otherwise any local process could pass itself off as another address, and the rate limits,
sign-in throttling and the audit log's "from where" go by that address."""

from __future__ import annotations

import asyncio

import pytest
from starlette.types import Receive, Scope, Send

from desk.cli.main import parser, serve_config

PROXY, VISITOR, FORGED = "10.0.0.5", "203.0.113.7", "198.51.100.1"


def _seen_address(argv: list[str], caller: str, forwarded: str) -> str:
    """The client address Desk's app sees when ``caller`` sends X-Forwarded-For: forwarded."""
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["client"][0])

    config = serve_config(app, parser().parse_args(["serve", *argv]))
    config.load()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": "/", "raw_path": b"/", "query_string": b"",
             "root_path": "", "server": ("127.0.0.1", 8000), "client": (caller, 40000),
             "headers": [(b"x-forwarded-for", forwarded.encode())]}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b""}

    async def send(message: object) -> None:
        return None

    asyncio.run(config.loaded_app(scope, receive, send))
    return seen[0]


@pytest.mark.parametrize(("argv", "caller", "forwarded", "seen"), [
    ([], "127.0.0.1", FORGED, "127.0.0.1"),  # by default nobody is believed, not even localhost
    (["--forwarded-allow-ips", PROXY], "127.0.0.1", FORGED, "127.0.0.1"),  # not the proxy
    (["--forwarded-allow-ips", PROXY], PROXY, VISITOR, VISITOR),  # the proxy named
])
def test_x_forwarded_for_is_believed_only_from_the_proxy_named(
    argv: list[str], caller: str, forwarded: str, seen: str,
) -> None:
    assert _seen_address(argv, caller, forwarded) == seen
