"""One POST of a webhook body to a judged address (`addresses.Target`): no redirect is
followed, the answer's first bytes are kept, and nothing is resolved again. Each step waits
at most `timeout`, and the whole exchange at most twice that: a receiver that answers a byte
at a time is cut off (it would otherwise hold the job runner)."""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from channels.webhooks.addresses import Target

TIMEOUT = 10.0  # seconds for the connection, and again for the answer
EXCERPT = 500  # bytes of the answer kept for the delivery log


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer (no connection, a timeout)
    excerpt: str  # the answer's first bytes, or why there was none

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to an address, with the certificate checked against the URL's host name."""

    def __init__(self, address: str, port: int, server_name: str, timeout: float,
                 context: ssl.SSLContext) -> None:
        super().__init__(address, port, timeout=timeout, context=context)
        self._server_name = server_name

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_name)  # type: ignore[attr-defined]


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT,
         tls: ssl.SSLContext | None = None) -> Answer:
    """POST `body` (JSON) to `target` and read the beginning of the answer. `tls`: the
    certificates to trust (default: the system's)."""
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPS(target.address, target.port, target.host, timeout,
                                  tls or ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(target.address, target.port, timeout=timeout)
    started = time.monotonic()
    watchdog = threading.Timer(timeout * 2, _cut, (connection,))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", target.path, body=body, headers={
            "Host": target.host_header, "Content-Type": "application/json",
            "User-Agent": "Desk-Webhooks/1", **headers})
        response = connection.getresponse()
        excerpt = response.read(EXCERPT).decode("utf-8", "replace")
        if 300 <= response.status < 400:
            excerpt = f"redirect to {response.getheader('Location', '')[:200]} not followed"
        return Answer(response.status, excerpt)
    except (OSError, http.client.HTTPException) as exc:
        if time.monotonic() - started >= timeout * 2:
            return Answer(None, f"no complete answer within {timeout * 2:g} s")
        return Answer(None, (str(exc) or type(exc).__name__)[:EXCERPT])
    finally:
        watchdog.cancel()
        connection.close()


def _cut(connection: http.client.HTTPConnection) -> None:
    """End the exchange from another thread: a blocked read returns at once."""
    if connection.sock is not None:
        with contextlib.suppress(OSError):
            connection.sock.shutdown(socket.SHUT_RDWR)
