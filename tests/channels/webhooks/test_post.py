"""The POST itself: a receiver that answers a byte at a time is cut off, so it cannot hold
the job runner; the Host header names the URL's host while the connection goes to the
address that was checked."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from channels.webhooks.addresses import Target
from channels.webhooks.post import post


@pytest.fixture
def dripping() -> Iterator[tuple[int, list[bytes]]]:
    """A server that reads the request, then sends its answer one byte every 0.1 s."""
    server = socket.create_server(("127.0.0.1", 0))
    requests: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            requests.append(conn.recv(65536))
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], requests
    stop.set()
    server.close()


def test_a_receiver_that_drips_its_answer_is_cut_off(dripping: tuple[int, list[bytes]]) -> None:
    port, requests = dripping
    target = Target("http", "hooks.crm.example", port, "/desk", "127.0.0.1")
    started = time.monotonic()
    answer = post(target, b"{}", {"X-Desk-Event": "webhook.test"}, timeout=0.5)
    assert time.monotonic() - started < 3
    assert answer.status is None and answer.excerpt == "no complete answer within 1 s"
    assert b"Host: hooks.crm.example:" in requests[0] and requests[0].startswith(b"POST /desk ")
