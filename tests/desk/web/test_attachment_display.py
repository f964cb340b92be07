"""Attachments on the ticket page: sizes as people read them, and previews of images and
PDFs (served inline only for those types)."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from channels.message import Identity, InboundAttachment, InboundMessage
from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.settings import Settings
from desk.web.files import human_size

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def test_sizes_read_as_bytes_kilobytes_and_megabytes() -> None:
    assert human_size(39) == "39 bytes"
    assert human_size(1) == "1 byte"
    assert human_size(1230) == "1.2 KB"
    assert human_size(int(3.4 * 1024 * 1024)) == "3.4 MB"
    assert human_size(150 * 1024) == "150 KB"


def _ticket(db: Database, settings: Settings) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Screenshots", "See attached.",
            attachments=(InboundAttachment("note.txt", "text/plain", b"x" * 39),
                         InboundAttachment("screen.png", "image/png", PNG),
                         InboundAttachment("invoice.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n"),
                         InboundAttachment("page.html", "text/html", b"<script>1</script>"))))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def test_the_ticket_page_shows_sizes_right_and_previews_images_and_pdfs(
    agent_client: TestClient, db: Database, settings: Settings,
) -> None:
    number = _ticket(db, settings)
    page = agent_client.get(f"/agent/tickets/{number}").text
    assert "(39 bytes)" in page and "0.0 KB" not in page
    links = re.findall(r'href="/agent/attachments/(\d+)" download>([^<]+)<', page)
    ids = {name: int(i) for i, name in links}
    assert f'<img src="/agent/attachments/{ids["screen.png"]}/preview"' in page
    assert f'<iframe src="/agent/attachments/{ids["invoice.pdf"]}/preview"' in page
    assert f'/agent/attachments/{ids["page.html"]}/preview' not in page

    image = agent_client.get(f"/agent/attachments/{ids['screen.png']}/preview")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("inline")
    pdf = agent_client.get(f"/agent/attachments/{ids['invoice.pdf']}/preview")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert agent_client.get(f"/agent/attachments/{ids['page.html']}/preview").status_code == 404
    assert agent_client.get(f"/agent/attachments/{ids['note.txt']}/preview").status_code == 404

