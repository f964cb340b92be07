"""`desk ingest --mailbox NAME FILE...`: raw mail files into tickets, with one line of counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from desk.cli import main
from desk.db import Database
from desk.models import RawMessage, Ticket
from desk.settings import Settings

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "email"


def test_ingest_files_prints_the_counts_and_stores_every_file(
    db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DESK_SECRET_KEY", "test-secret")
    reply = tmp_path / "reply.eml"
    reply.write_bytes(
        b"From: Emily <emilybaker@gmail.com>\r\nSubject: thanks\r\n"
        b"Message-ID: <reply-1@gmail.com>\r\nIn-Reply-To: <CAOe7Hk3q=xZ@mail.gmail.com>\r\n"
        b"\r\nThanks again.\r\n")
    files = [GOLDEN / "007-gmail-en-on-wrote-wrapped.eml", GOLDEN / "007-gmail-en-on-wrote-wrapped.eml",
             reply, GOLDEN / "015-autoreply-gmail-vacation.eml",
             GOLDEN / "020-bounce-postfix-dsn.eml", GOLDEN / "026-malformed-empty.eml"]
    assert main(["ingest", "--mailbox", "support", *map(str, files)]) == 0
    assert capsys.readouterr().out.strip() == (
        "stored 6, tickets opened 1, replies threaded 1, duplicates 1, auto-replies 1, "
        "bounces 1, quarantined 1")
    with db.session() as session:
        rows = session.exec(select(RawMessage).order_by(col(RawMessage.id))).all()
        assert [r.mailbox for r in rows] == ["support"] * 6
        assert rows[-1].raw == files[-1].read_bytes()
        assert len(session.exec(select(Ticket)).all()) == 1
