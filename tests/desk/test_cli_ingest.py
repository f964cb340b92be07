"""`desk ingest --mailbox NAME FILE...`: raw mail files into tickets, with one line of counts."""

from __future__ import annotations

import mailbox
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import col, select

from desk.cli.main import main
from desk.db import Database
from desk.models import OutboundMessage, RawMessage, Ticket, User
from desk.queries.mail.raw import raw_bytes
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
        assert raw_bytes(session, rows[-1].id or 0) == files[-1].read_bytes()
        assert len(session.exec(select(Ticket)).all()) == 1


def _env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DESK_SECRET_KEY", "test-secret")


def _mail(n: int, body: str = "Hello") -> bytes:
    return (f"From: C{n} <c{n}@example.com>\nSubject: Request {n}\nMessage-ID: <m{n}@example.com>\n"
            f"\n{body}\nFrom the desk of C{n}\n").encode()


def test_ingest_an_mbox_and_a_maildir_migrates_old_mail_without_acknowledging_it(
    db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _env(settings, monkeypatch)
    box = mailbox.mbox(tmp_path / "old.mbox")
    for n in range(3):
        box.add(_mail(n))
    box.add(_mail(0))  # the same mail twice in the archive
    box.close()
    folder = mailbox.Maildir(tmp_path / "Maildir")
    for n in range(3, 5):
        folder.add(_mail(n))
    assert main(["ingest", "--mailbox", "archive", "--mbox", str(tmp_path / "old.mbox"),
                 "--maildir", str(tmp_path / "Maildir")]) == 0
    assert capsys.readouterr().out.startswith("stored 6, tickets opened 5, replies threaded 0, "
                                              "duplicates 1,")
    with db.session() as session:
        subjects = sorted(t.subject for t in session.exec(select(Ticket)))
        assert subjects == [f"Request {n}" for n in range(5)]
        # The mbox "From " separator line is not part of the stored mail.
        first = session.exec(select(RawMessage).order_by(col(RawMessage.id))).first()
        assert first is not None and raw_bytes(session, first.id or 0).startswith(b"From: C0")
        assert session.exec(select(OutboundMessage)).all() == []


def test_ingest_without_any_mail_named_says_what_is_missing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _env(settings, monkeypatch)
    assert main(["ingest", "--mailbox", "archive"]) == 2
    assert "--mbox" in capsys.readouterr().err


@pytest.mark.usefixtures("cli_env")
def test_large_mail_is_ingested_in_batches_capped_by_bytes(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    import desk.mail.raw_import as raw_import

    # Batches end at a byte cap too (memory stays bounded on mail with attachments); a reply in
    # a later batch still finds the ticket its request opened in an earlier one.
    monkeypatch.setattr(raw_import, "BATCH_BYTES", 300)
    files = []
    for n in range(3):
        path = tmp_path / f"{n}.eml"
        path.write_bytes(_mail(n, body="x" * 200))
        files.append(path)
    reply = tmp_path / "reply.eml"
    reply.write_bytes(b"From: C0 <c0@example.com>\nSubject: Re: Request 0\nMessage-ID: <r0@example.com>\n"
                      b"In-Reply-To: <m0@example.com>\n\nThanks\n")
    files.append(reply)
    batches = list(raw_import.batches(p.read_bytes() for p in files))
    assert [len(b) for b in batches] == [2, 2]
    assert main(["ingest", "--mailbox", "support", *map(str, files)]) == 0
    assert "stored 4, tickets opened 3, replies threaded 1" in capsys.readouterr().out


def test_a_large_batch_is_found_by_words_made_where_it_was_read(
    db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], make_user: Callable[..., User],
) -> None:
    """60 mails (read in the parse pool's worker processes, which make their search words):
    each ticket is found by a word of its own body, in English and Chinese."""
    from desk.mail.parse_pool import POOL_THRESHOLD, read_mails
    from desk.queries.tickets.queue import PAGE_SIZE, TicketFilter, list_tickets
    from desk.search_words import message_words

    _env(settings, monkeypatch)
    raws = [_mail(n, body=f"Invoice zq{n}x 发票第{n}号 打印机") for n in range(60)]
    assert len(raws) > POOL_THRESHOLD
    read = read_mails(raws)
    assert all(not isinstance(m, str) and m.search_words == message_words(m.subject, m.text)
               for m in read)
    files = []
    for n, raw in enumerate(raws):
        files.append(tmp_path / f"{n}.eml")
        files[-1].write_bytes(raw)
    assert main(["ingest", "--mailbox", "support", *map(str, files)]) == 0
    assert capsys.readouterr().out.startswith("stored 60, tickets opened 60,")
    with db.session() as session:
        admin = make_user("admin")
        for q, wanted in (("zq7x", "Request 7"), ("发票第42号", "Request 42")):
            found = list_tickets(session, admin, TicketFilter(q=q)).tickets
            assert [t.subject for t in found] == [wanted]
        assert len(list_tickets(session, admin, TicketFilter(q="打印机")).tickets) == min(60, PAGE_SIZE)
