"""A webhook receiver for tests: an HTTP server on 127.0.0.1 that keeps every request and
answers with the codes it is told (then 200)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    answers: list[int] = field(default_factory=list)  # codes for the next requests, in order
    received: list[Received] = field(default_factory=list)
    # Close each connection after answering without saying so (as a server whose keep-alive
    # timed out does): the client finds out when it sends the next request.
    close_silently: bool = False
    connections: int = 0  # TCP connections accepted (a kept-open one serves many requests)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/desk"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections open, as most servers do

            def setup(self) -> None:
                receiver.connections += 1
                super().setup()

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                code = receiver.answers.pop(0) if receiver.answers else 200
                reply = b"ok" if code < 300 else b"receiver is down for maintenance"
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
                self.close_connection = receiver.close_silently

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
