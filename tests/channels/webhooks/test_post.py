"""The POST itself: a receiver that answers a byte at a time is cut off, so it cannot hold
the job runner; the connection goes to the address that was checked while the Host header
and the TLS certificate check are the URL's host's."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

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


def _certificate(tmp_path: Path, host: str) -> tuple[Path, Path]:
    """A self-signed certificate for `host` and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(datetime.now(UTC) - timedelta(days=1))
            .not_valid_after(datetime.now(UTC) + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_https_goes_to_the_checked_address_and_checks_the_certificate_of_the_urls_host(
    tmp_path: Path,
) -> None:
    cert, key = _certificate(tmp_path, "hooks.crm.example")
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        trusting = ssl.create_default_context(cafile=str(cert))
        answer = post(Target("https", "hooks.crm.example", port, "/", "127.0.0.1"), b"{}", {}, tls=trusting)
        assert answer.status == 204 and seen == [f"hooks.crm.example:{port}"]
        other = post(Target("https", "other.example", port, "/", "127.0.0.1"), b"{}", {}, tls=trusting)
        assert other.status is None and "hostname" in other.excerpt.lower()
        unknown = post(Target("https", "hooks.crm.example", port, "/", "127.0.0.1"), b"{}", {})
        assert unknown.status is None and "certificate verify failed" in unknown.excerpt.lower()
    finally:
        server.shutdown()
        server.server_close()


def test_a_connection_is_kept_for_the_next_delivery_and_replaced_when_the_receiver_closed_it(
) -> None:
    from channels.webhooks.post import Connections
    from tests.webhook_receiver import Receiver

    for close_silently, connections in ((False, 1), (True, 3)):
        receiver = Receiver(close_silently=close_silently).start()
        kept = Connections()
        try:
            assert receiver.server is not None
            port = receiver.server.server_address[1]
            target = Target("http", "127.0.0.1", port, "/hook", "127.0.0.1")
            assert [post(target, b"{}", {}, kept=kept).status for _ in range(3)] == [200] * 3
            assert (len(receiver.received), receiver.connections) == (3, connections)
        finally:
            kept.close()
            receiver.stop()
