"""Real-world mail through `desk ingest` (issue 12): what other projects' fixtures showed,
end to end: imported twice it opens nothing the second time, the history a mail quotes is
kept and folded on the ticket page, attachments are kept byte for byte with their Content-ID."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from desk.attachment_store import read_attachment
from desk.cli.main import main
from desk.db import Database
from desk.models import Attachment, Message, RawMessage, RawStatus, Ticket
from desk.settings import Settings
from tests.conftest import sign_in

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "email"
REAL = sorted([*GOLDEN.glob("05[1-9]-*.eml"), *GOLDEN.glob("06[0-9]-*.eml")])  # issue 12


@pytest.mark.usefixtures("cli_env")
def test_the_same_files_imported_twice_open_nothing_the_second_time(
    db: Database, capsys: pytest.CaptureFixture[str],
) -> None:
    # Among them mail without a Message-ID (064) and with one lacking angle brackets (065).
    assert main(["ingest", "--mailbox", "support", *map(str, REAL)]) == 0
    first = capsys.readouterr().out
    with db.session() as session:
        tickets = len(session.exec(select(Ticket)).all())
        messages = len(session.exec(select(Message)).all())
    assert "tickets opened 0" not in first and tickets >= len(REAL) - 2
    assert main(["ingest", "--mailbox", "support", *map(str, REAL)]) == 0
    second = capsys.readouterr().out
    assert "tickets opened 0, replies threaded 0" in second
    with db.session() as session:
        assert len(session.exec(select(Ticket)).all()) == tickets
        assert len(session.exec(select(Message)).all()) == messages
        again = session.exec(select(RawMessage).order_by(col(RawMessage.id).desc()).limit(len(REAL))).all()
        assert {r.status for r in again} <= {RawStatus.duplicate, RawStatus.bounce}
        assert not [r for r in again if r.status == RawStatus.quarantined]


@pytest.mark.usefixtures("cli_env")
def test_quoted_history_is_folded_on_the_page_and_attachments_keep_bytes_and_content_id(
    db: Database, settings: Settings, client: TestClient, make_user,  # type: ignore[no-untyped-def]
) -> None:
    names = ["062-inline-forward-with-note-above", "063-attached-mail-kept-byte-for-byte",
             "067-inline-image-content-id"]
    assert main(["ingest", "--mailbox", "support", *(str(GOLDEN / f"{n}.eml") for n in names)]) == 0
    with db.session() as session:
        forward = session.exec(select(Message).where(Message.text == "See below, please fix.")).one()
        assert "Checkout fails with error 500 when I pay with a voucher." in forward.quoted
        files = {a.filename: a for a in session.exec(select(Attachment)).all()}
        stored = read_attachment(session, settings.attachments_dir, files["Error 500.eml"])
    raw = (GOLDEN / f"{names[1]}.eml").read_bytes()
    inner = raw[raw.index(b"Received: from mx.example.com"):raw.index(b"\r\n--outer--")]
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(inner).hexdigest()
    assert b"\r\n   oddly, with three spaces\r\n" in stored  # not refolded, CRLF kept
    assert files["shot-1@example.com.png"].content_id == "shot-1@example.com"

    sign_in(client, make_user("admin"))
    page = client.get(f"/agent/tickets/{forward.ticket_id}")
    assert page.status_code == 200
    # The new text leads; the forwarded mail is one click away (a <details>, no JavaScript).
    body = page.text
    assert "See below, please fix." in body
    fold = body.index('<details class="quoted">')
    assert body.index("See below, please fix.") < fold < body.index("when I pay with a voucher.")
