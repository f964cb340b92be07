"""`desk ingest` beside a running `desk serve`: the mail goes to the running process over its
Unix socket (desk.mail.handover), so a mail server piping each message into `desk ingest`
does not load Desk once per message; without a listener the command does the work itself."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from desk.db import Database
from desk.mail.handover import MAX_MAILS, HandOver, hand_over
from desk.models import Message, RawMessage, Ticket
from desk.settings import Settings
from tests.browser.conftest import _desk_command, _free_port, _stop
from tests.desk.test_faults import _env, _killed, _serve

MAIL = ("From: Kim Lee <kim@example.com>\r\nTo: support@example.com\r\nSubject: Printer offline\r\n"
        "Message-ID: <printer-1@example.com>\r\n\r\nThe printer on floor 3 prints nothing.\r\n")
REPLY = ("From: Kim Lee <kim@example.com>\r\nTo: support@example.com\r\nSubject: Re: Printer offline\r\n"
         "Message-ID: <printer-2@example.com>\r\nIn-Reply-To: <printer-1@example.com>\r\n\r\n"
         "It blinks orange now.\r\n")


def _ingest(settings: Settings, *args: str, mail: str | None = None,
            importtime: bool = False) -> subprocess.CompletedProcess[str]:
    env = _env(settings)
    if importtime:
        env["PYTHONPROFILEIMPORTTIME"] = "1"
    return subprocess.run([*_desk_command(), "ingest", "--mailbox", "support", *args], env=env,
                          input=mail, capture_output=True, text=True, timeout=120, check=True)


def _socket_of(settings: Settings) -> Path:
    assert settings.ingest_socket == settings.data_dir / "ingest.sock"
    return settings.ingest_socket


def test_desk_ingest_hands_a_mail_to_the_running_desk_serve_without_loading_desk(
    db: Database, settings: Settings, tmp_path: Path,
) -> None:
    log = tmp_path / "serve.log"
    server = _serve(settings, _free_port(), log)
    try:
        assert _socket_of(settings).is_socket()
        assert (_socket_of(settings).stat().st_mode & 0o777) == 0o600
        eml = tmp_path / "printer.eml"
        eml.write_text(MAIL)
        first = _ingest(settings, str(eml), importtime=True)
        assert first.stdout.strip() == ("stored 1, tickets opened 1, replies threaded 0, "
                                        "duplicates 0, auto-replies 0, bounces 0, quarantined 0")
        # The command loaded no ORM: the running desk did the work (and says so in its log).
        imported = {line.rsplit("|", 1)[-1].strip() for line in first.stderr.splitlines()
                    if line.startswith("import time:")}
        assert "desk.mail.handover" in imported
        assert not {"sqlalchemy", "sqlmodel", "desk.models", "desk.db"} & imported
        assert "handed over 1 mails for mailbox support" in log.read_text()
        # Standard input, as a mail server's pipe gives it: the reply is threaded.
        second = _ingest(settings, "-", mail=REPLY)
        assert second.stdout.startswith("stored 1, tickets opened 0, replies threaded 1,")
        # The same file again is recognised, not filed twice.
        again = _ingest(settings, str(eml))
        assert again.stdout.startswith("stored 1, tickets opened 0, replies threaded 0, duplicates 1,")
    finally:
        _stop(server)
    assert not _socket_of(settings).exists()  # a stopped desk serve takes its socket away
    with db.session() as s:
        tickets = s.exec(select(Ticket)).all()
        assert [t.subject for t in tickets] == ["Printer offline"]
        bodies = s.exec(select(Message.text).where(Message.ticket_id == tickets[0].id)
                        .order_by(col(Message.id))).all()
        assert [b.strip() for b in bodies] == ["The printer on floor 3 prints nothing.",
                                               "It blinks orange now."]
        assert {r.mailbox for r in s.exec(select(RawMessage)).all()} == {"support"}


def test_without_a_running_desk_the_command_ingests_itself_and_a_new_serve_takes_over(
    db: Database, settings: Settings, tmp_path: Path,
) -> None:
    log = tmp_path / "serve.log"
    _killed(_serve(settings, _free_port(), log))
    assert _socket_of(settings).is_socket()  # left behind: nobody listens on it
    eml = tmp_path / "printer.eml"
    eml.write_text(MAIL)
    alone = _ingest(settings, str(eml))
    assert alone.stdout.startswith("stored 1, tickets opened 1,")
    assert "handed over" not in log.read_text()
    server = _serve(settings, _free_port(), log)  # clears the stale socket and listens again
    try:
        handed = _ingest(settings, "-", mail=REPLY)
        assert handed.stdout.startswith("stored 1, tickets opened 0, replies threaded 1,")
        assert "handed over 1 mails" in log.read_text()
        direct = _ingest(settings, "--direct", "-", mail=MAIL.replace("printer-1", "printer-3"))
        assert direct.stdout.startswith("stored 1, tickets opened 1,")
        assert log.read_text().count("handed over") == 1
    finally:
        _stop(server)
    with db.session() as s:
        assert len(s.exec(select(Ticket)).all()) == 2


@pytest.fixture
def listening(db: Database, settings: Settings) -> Iterator[HandOver]:
    """A HandOver on its own event loop in a thread, as `desk serve` runs one."""
    loop = asyncio.new_event_loop()
    handover = HandOver(db, settings, _socket_of(settings))
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        assert loop.run_until_complete(handover.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(30)
    yield handover
    asyncio.run_coroutine_threadsafe(handover.close(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(30)
    loop.close()


def _raw_answer(path: Path, data: bytes) -> dict[str, object]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(30)
        conn.connect(str(path))
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    result: dict[str, object] = json.loads(answer)
    return result


def test_a_hand_over_that_is_not_one_is_refused_with_a_reason_and_files_nothing(
    db: Database, settings: Settings, listening: HandOver,
) -> None:
    path = _socket_of(settings)
    assert "error" in _raw_answer(path, b"GET / HTTP/1.1\r\n\r\n")
    too_many = json.dumps({"mailbox": "support", "acknowledge": False,
                           "sizes": [10] * (MAX_MAILS + 1)}).encode() + b"\n"
    assert "at most" in str(_raw_answer(path, too_many)["error"])
    cut = json.dumps({"mailbox": "support", "acknowledge": False, "sizes": [500]}).encode()
    assert _raw_answer(path, cut + b"\n" + MAIL.encode()[:100]) == {"error": "the mail was cut off"}
    # The client never sends what the listener would refuse: it ingests those itself.
    assert hand_over(path, "support", [MAIL.encode()] * (MAX_MAILS + 1), False) is None
    with db.session() as s:
        assert s.exec(select(RawMessage)).all() == []
    answer = hand_over(path, "support", [MAIL.encode()], False)
    assert answer is not None and answer["opened"] == 1


def test_a_second_listener_on_the_same_data_folder_leaves_the_first_one_in_place(
    db: Database, settings: Settings, listening: HandOver,
) -> None:
    inode = _socket_of(settings).stat().st_ino

    async def second() -> bool:
        other = HandOver(db, settings, _socket_of(settings))
        taken = await other.start()
        await other.close()
        return taken

    assert asyncio.run(second()) is False
    assert _socket_of(settings).stat().st_ino == inode
    answer = hand_over(_socket_of(settings), "support", [MAIL.encode()], False)
    assert answer is not None and answer["stored"] == 1


def test_the_socket_can_be_moved_or_switched_off(settings: Settings, tmp_path: Path) -> None:
    from desk.settings import load_settings

    base = {"DESK_DATA_DIR": str(settings.data_dir), "DESK_SECRET_KEY": "k"}
    assert load_settings({**base, "DESK_INGEST_SOCKET": "off"}).ingest_socket is None
    moved = load_settings({**base, "DESK_INGEST_SOCKET": str(tmp_path / "desk.sock")})
    assert moved.ingest_socket == tmp_path / "desk.sock"
    assert os.fspath(load_settings(base).ingest_socket).endswith("var/ingest.sock")


def test_a_database_that_cannot_be_reached_asks_the_mail_server_to_try_again(
    settings: Settings, tmp_path: Path,
) -> None:
    env = _env(settings)
    env["DESK_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/desk"
    done = subprocess.run([*_desk_command(), "ingest", "--mailbox", "support", "-"], env=env,
                          input=MAIL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 75  # EX_TEMPFAIL: Postfix and others defer, never bounce
    assert "try again later" in done.stderr
