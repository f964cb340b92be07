"""One POST of a webhook body to a judged address (`addresses.Target`): no redirect is
followed, the answer's first bytes are kept, and nothing is resolved again. Each step waits
at most `timeout`, and the whole exchange at most twice that: a receiver that answers a byte
at a time is cut off (it would otherwise hold the job runner).

Connections are kept open between deliveries to the same address, host and port (`KEPT`,
30 s at most, four per receiver): TLS is negotiated once, not per event. A kept connection
the receiver has closed meanwhile is replaced once, at once."""

from __future__ import annotations

import atexit
import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field

from channels.webhooks.addresses import Target

TIMEOUT = 10.0  # seconds for the connection, and again for the answer
EXCERPT = 500  # bytes of the answer kept for the delivery log
REST = 64 * 1024  # an answer's further bytes read (and dropped) to keep its connection
Key = tuple[str, str, int, str]


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


@dataclass
class Connections:
    """Open connections waiting for their next delivery, by receiver."""

    idle_seconds: float = 30.0
    per_receiver: int = 4
    _idle: dict[Key, list[tuple[http.client.HTTPConnection, float]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: Key) -> http.client.HTTPConnection | None:
        with self._lock:
            waiting = self._idle.get(key, [])
            while waiting:
                connection, since = waiting.pop()
                if time.monotonic() - since < self.idle_seconds:
                    return connection
                connection.close()
        return None

    def give(self, key: Key, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self._prune()
            waiting = self._idle.setdefault(key, [])
            if len(waiting) < self.per_receiver:
                waiting.append((connection, time.monotonic()))
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            for waiting in self._idle.values():
                for connection, _since in waiting:
                    connection.close()
            self._idle.clear()

    def _prune(self) -> None:
        """Close what waited too long, for every receiver (the lock is held)."""
        oldest = time.monotonic() - self.idle_seconds
        for key, waiting in list(self._idle.items()):
            for connection, since in waiting:
                if since < oldest:
                    connection.close()
            self._idle[key] = [(c, since) for c, since in waiting if since >= oldest]
            if not self._idle[key]:
                del self._idle[key]


KEPT = Connections()
atexit.register(KEPT.close)


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT,
         tls: ssl.SSLContext | None = None, kept: Connections | None = KEPT) -> Answer:
    """POST `body` (JSON) to `target` and read the beginning of the answer. `tls`: the
    certificates to trust (default: the system's; another set is never kept open)."""
    key: Key = (target.scheme, target.address, target.port, target.host)
    keep = kept if tls is None else None
    connection = keep.take(key) if keep is not None else None
    if connection is not None:
        try:
            return _exchange(connection, target, body, headers, timeout, keep, key)
        except (BrokenPipeError, ConnectionResetError):  # closed by the receiver while kept
            connection.close()
    connection = _connect(target, timeout, tls)
    try:
        return _exchange(connection, target, body, headers, timeout, keep, key)
    except (BrokenPipeError, ConnectionResetError) as exc:
        connection.close()
        return Answer(None, (str(exc) or type(exc).__name__)[:EXCERPT])


def _connect(target: Target, timeout: float, tls: ssl.SSLContext | None) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPS(target.address, target.port, target.host, timeout,
                            tls or ssl.create_default_context())
    return http.client.HTTPConnection(target.address, target.port, timeout=timeout)


def _exchange(connection: http.client.HTTPConnection, target: Target, body: bytes,
              headers: dict[str, str], timeout: float, keep: Connections | None, key: Key) -> Answer:
    """One request and its answer; the connection is kept when the answer was read whole and
    the receiver keeps it open. Raises BrokenPipeError / ConnectionResetError when nothing of
    an answer came (the caller may try a fresh connection), else answers."""
    started = time.monotonic()
    watchdog = threading.Timer(timeout * 2, _cut, (connection,))
    watchdog.daemon = True
    watchdog.start()
    kept = False
    try:
        connection.request("POST", target.path, body=body, headers={
            "Host": target.host_header, "Content-Type": "application/json",
            "User-Agent": "Desk-Webhooks/1", **headers})
        response = connection.getresponse()
        excerpt = response.read(EXCERPT).decode("utf-8", "replace")
        if not response.isclosed():
            response.read(REST)
        if 300 <= response.status < 400:
            excerpt = f"redirect to {response.getheader('Location', '')[:200]} not followed"
        if keep is not None and response.isclosed() and not response.will_close:
            keep.give(key, connection)
            kept = True
        return Answer(response.status, excerpt)
    except (BrokenPipeError, ConnectionResetError):
        if time.monotonic() - started >= timeout * 2:
            return Answer(None, f"no complete answer within {timeout * 2:g} s")
        raise
    except (OSError, http.client.HTTPException) as exc:
        if time.monotonic() - started >= timeout * 2:
            return Answer(None, f"no complete answer within {timeout * 2:g} s")
        return Answer(None, (str(exc) or type(exc).__name__)[:EXCERPT])
    finally:
        watchdog.cancel()
        if not kept:
            connection.close()


def _cut(connection: http.client.HTTPConnection) -> None:
    """End the exchange from another thread: a blocked read returns at once."""
    if connection.sock is not None:
        with contextlib.suppress(OSError):
            connection.sock.shutdown(socket.SHUT_RDWR)
