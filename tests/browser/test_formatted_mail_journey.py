"""An agent opens a mail as it was formatted: under "Show formatted" the sandboxed frame shows
the mail's HTML with its inline image loaded from the desk, while a remote image (a tracking
pixel on a server that would answer) is never asked for."""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from channels.email.parse import parse
from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.models import User
from desk.settings import Settings
from tests.browser.staff import signed_in

pytestmark = pytest.mark.browser


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x20\x60\xc0" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def tracker() -> Iterator[tuple[str, list[str]]]:
    """An image server on this machine that would answer: its URL and the paths asked."""
    asked: list[str] = []
    image = _png(8, 8)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(image)))
            self.end_headers()
            self.wfile.write(image)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


def _mail(tracker_url: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Kim Lee <kim@example.com>"
    mail["To"] = "support@desk.test"
    mail["Subject"] = "The chart is wrong"
    mail["Message-ID"] = "<chart-1@example.com>"
    mail.set_content("See the chart.")
    mail.add_alternative(
        '<p>See the <b>chart</b>:</p><img alt="chart" src="cid:chart-1@example.com">'
        f'<img alt="pixel" src="{tracker_url}/open.png">', subtype="html")
    html = mail.get_payload()[1]
    html.add_related(_png(60, 30), "image", "png", cid="<chart-1@example.com>", filename="chart.png")
    return mail.as_bytes()


def test_the_formatted_mail_shows_its_inline_image_and_blocks_remote_ones(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], db: Database,
    settings: Settings, tracker: tuple[str, list[str]], artifacts: Path,
) -> None:
    tracker_url, asked = tracker
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, parse(_mail(tracker_url)))
        commit(s)
        number = ticket.id
    page = signed_in(new_context(), make_user("agent", email="ana@desk.test", name="Ana"))
    page.goto(f"/agent/tickets/{number}")
    expect(page.locator(".message .body").first).to_contain_text("See the chart.")
    page.get_by_text("Show formatted").click()
    frame = page.frame_locator("details.formatted iframe")
    expect(frame.locator("b")).to_have_text("chart")
    expect(frame.locator(".desk-blocked")).to_contain_text("Remote images in this mail were blocked.")
    chart = frame.locator("img[alt=chart]")
    expect(chart).to_have_js_property("complete", True)
    assert chart.evaluate("img => img.naturalWidth") == 60
    pixel = frame.locator("img[alt=pixel]")
    expect(pixel).to_have_js_property("complete", True)
    assert pixel.evaluate("img => img.naturalWidth") == 0
    assert asked == []
    page.locator("details.formatted").screenshot(path=artifacts / "formatted-mail.png")
