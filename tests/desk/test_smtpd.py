"""`desk smtpd`: a real aiosmtpd listener on a free port, real smtplib clients, a real database.

The promise under test: a 250 means the raw mail is committed, a failure to store is a
4xx (the sender keeps the mail), and what was accepted ends up ingested, also after a
failed ingest or a restart."""

from __future__ import annotations

import asyncio
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from email.header import Header
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlmodel import col, func, select

from desk.actions.audit import SYSTEM
from desk.actions.mail.mailboxes import create_mailbox, set_enabled
from desk.actions.mail.stored import store_raw
from desk.db import Database, commit
from desk.mail.smtpd import Listener
from desk.models import Mailbox, Message, RawMessage, RawStatus, Ticket
from desk.queries.mail.raw import raw_bytes
from desk.settings import Settings
from tests.conftest import BACKEND
from tests.mail_servers import free_port

T = TypeVar("T")


class Running:
    """A Listener serving from an event loop in a thread of its own, like `desk smtpd`."""

    def __init__(self, db: Database, settings: Settings, **options: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.listener = Listener(db, settings, **options)
        self.host, self.port = self.call(self.listener.start("127.0.0.1", 0))

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def stop(self) -> None:
        async def finish() -> None:
            await self.listener.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.call(finish())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def mailboxes(db: Database, settings: Settings) -> list[Mailbox]:
    with db.session() as session:
        made = [create_mailbox(session, settings, SYSTEM, name, address, None, None)
                for name, address in (("support", "support@desk.test"), ("sales", "Sales@Desk.test"))]
        commit(session)
    return made


@pytest.fixture
def smtpd(db: Database, settings: Settings, mailboxes: list[Mailbox]) -> Iterator[Running]:
    running = Running(db, settings, retry=0.2)
    yield running
    running.stop()


def mail(subject: str = "Printer on fire", message_id: str = "<m1@example.com>",
         to: str = "support@desk.test", cc: str = "") -> bytes:
    head = (f"From: Carla Customer <carla@example.com>\r\nTo: {to}\r\n"
            + (f"Cc: {cc}\r\n" if cc else "")
            + f"Subject: {subject}\r\nMessage-ID: {message_id}\r\n"
            "Date: Mon, 4 Mar 2024 12:00:00 +0000\r\n")
    return (head + "\r\nThe printer on floor 2 is on fire.\r\n").encode()


def deliver(running: Running, raw: bytes, rcpts: list[str]) -> tuple[int, str]:
    """MAIL, RCPT..., DATA over one connection; the DATA reply."""
    with smtplib.SMTP(running.host, running.port, timeout=10) as client:
        client.ehlo()
        client.mail("carla@example.com")
        for rcpt in rcpts:
            code, reply = client.rcpt(rcpt)
            assert code == 250, reply
        code, reply = client.data(raw)
        return code, reply.decode()


def raw_rows(db: Database) -> list[RawMessage]:
    with db.session() as session:
        return list(session.exec(select(RawMessage).order_by(col(RawMessage.id))))


def wait_ingested(db: Database, count: int = 1, timeout: float = 10.0) -> list[RawMessage]:
    deadline = time.monotonic() + timeout
    while True:
        rows = raw_rows(db)
        if len(rows) >= count and all(r.status != RawStatus.stored for r in rows):
            return rows
        assert time.monotonic() < deadline, [(r.id, r.status, r.error) for r in rows]
        time.sleep(0.02)


def ticket_count(db: Database) -> int:
    with db.session() as session:
        return session.exec(select(func.count()).select_from(Ticket)).one()


def test_mail_to_a_mailbox_is_committed_before_250_and_becomes_a_ticket(
    db: Database, smtpd: Running,
) -> None:
    raw = mail()
    code, reply = deliver(smtpd, raw, ["Support@Desk.Test"])
    assert code == 250 and reply.startswith("2.0.0 stored as ")
    raw_id = int(reply.rsplit(" ", 1)[1])
    with db.session() as fresh:  # at the moment of the 250, another connection sees it
        row = fresh.get(RawMessage, raw_id)
        assert row is not None and raw_bytes(fresh, raw_id) == raw and row.mailbox == "support"
    (row,) = wait_ingested(db)
    assert row.status == RawStatus.ingested and row.ticket_id is not None
    with db.session() as session:
        ticket = session.get(Ticket, row.ticket_id)
        assert ticket is not None and ticket.subject == "Printer on fire"


def test_unknown_or_disabled_recipient_is_refused_with_550(
    db: Database, settings: Settings, mailboxes: list[Mailbox],
) -> None:
    with db.session() as session:
        sales = session.get(Mailbox, mailboxes[1].id)
        assert sales is not None
        set_enabled(session, SYSTEM, sales, False)
        commit(session)
    running = Running(db, settings)
    try:
        with smtplib.SMTP(running.host, running.port, timeout=10) as client:
            client.ehlo()
            client.mail("carla@example.com")
            for address in ("nobody@desk.test", "sales@desk.test"):
                code, reply = client.rcpt(address)
                assert (code, reply) == (550, b"5.1.1 no such mailbox here")
    finally:
        running.stop()
    assert raw_rows(db) == []


def test_catch_all_mailbox_accepts_any_recipient(
    db: Database, settings: Settings, mailboxes: list[Mailbox],
) -> None:
    running = Running(db, settings, catch_all="support")
    try:
        code, _ = deliver(running, mail(), ["whoever@elsewhere.test"])
    finally:
        running.stop()
    assert code == 250
    assert [r.mailbox for r in raw_rows(db)] == ["support"]


def test_mail_to_two_of_our_mailboxes_in_to_and_cc_makes_one_ticket(
    db: Database, smtpd: Running,
) -> None:
    raw = mail(to="sales@desk.test", cc="support@desk.test")
    code, _ = deliver(smtpd, raw, ["sales@desk.test", "support@desk.test"])
    assert code == 250
    (row,) = wait_ingested(db)
    assert row.mailbox == "sales" and row.status == RawStatus.ingested
    assert ticket_count(db) == 1


def test_same_mail_delivered_separately_to_two_mailboxes_makes_one_ticket(
    db: Database, smtpd: Running,
) -> None:
    raw = mail(to="sales@desk.test", cc="support@desk.test")
    assert deliver(smtpd, raw, ["sales@desk.test"])[0] == 250
    assert deliver(smtpd, raw, ["support@desk.test"])[0] == 250
    rows = wait_ingested(db, 2)
    assert sorted(r.status for r in rows) == [RawStatus.duplicate, RawStatus.ingested]
    assert ticket_count(db) == 1


def test_store_failure_answers_451_and_stores_nothing(db: Database, smtpd: Running) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE rawmessage RENAME TO rawmessage_away"))
    try:
        code, reply = deliver(smtpd, mail(), ["support@desk.test"])
        assert (code, reply) == (451, "4.3.0 temporary failure, try again later")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM rawmessage_away")).scalar_one() == 0
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE rawmessage_away RENAME TO rawmessage"))
    # The sender retries, and now it goes through: exactly one ticket.
    code, _ = deliver(smtpd, mail(), ["support@desk.test"])
    assert code == 250
    wait_ingested(db)
    assert ticket_count(db) == 1


@pytest.mark.skipif(BACKEND == "postgres", reason="a missing table is an OperationalError (the "
                    "database failing) only on SQLite; PostgreSQL's ProgrammingError quarantines")
def test_failed_ingest_leaves_the_mail_stored_and_retries_it(db: Database, smtpd: Running) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE ticket RENAME TO ticket_away"))
    try:
        code, _ = deliver(smtpd, mail(), ["support@desk.test"])
        assert code == 250
        time.sleep(0.5)  # at least one ingest attempt fails meanwhile
        assert [r.status for r in raw_rows(db)] == [RawStatus.stored]
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE ticket_away RENAME TO ticket"))
    (row,) = wait_ingested(db)
    assert row.status == RawStatus.ingested and ticket_count(db) == 1


def test_start_ingests_mail_an_earlier_run_left_stored(
    db: Database, settings: Settings, mailboxes: list[Mailbox],
) -> None:
    with db.session() as session:  # accepted (250) by a run that died before ingesting
        store_raw(session, "support", [mail(message_id="<left-1@example.com>"),
                                       mail(subject="Second", message_id="<left-2@example.com>")])
        commit(session)
    running = Running(db, settings)
    try:
        rows = wait_ingested(db, 2)
    finally:
        running.stop()
    assert [r.status for r in rows] == [RawStatus.ingested] * 2
    assert ticket_count(db) == 2


def test_lmtp_answers_data_once_per_recipient(db: Database, settings: Settings,
                                              mailboxes: list[Mailbox]) -> None:
    running = Running(db, settings, lmtp=True)
    try:
        with smtplib.LMTP(running.host, running.port, timeout=10) as client:
            assert client.ehlo()[0] == 250  # sent as LHLO
            client.mail("carla@example.com")
            assert client.rcpt("support@desk.test")[0] == 250
            assert client.rcpt("sales@desk.test")[0] == 250
            first = client.data(mail(cc="sales@desk.test"))
            second = client.getreply()
        assert first[0] == second[0] == 250
        assert first[1] == second[1] and first[1].startswith(b"2.0.0 stored as ")
        wait_ingested(db)
    finally:
        running.stop()
    assert ticket_count(db) == 1


def test_chinese_gbk_mail_is_readable_in_the_ticket(db: Database, smtpd: Running) -> None:
    subject = Header("打印机无法连接", "gbk").encode()
    body = "你好，三楼的打印机连不上网络，请帮忙看看。".encode("gbk")
    raw = (f"From: =?gbk?b?zfXA2g==?= <wang@example.cn>\r\nTo: support@desk.test\r\n"
           f"Subject: {subject}\r\nMessage-ID: <gbk-1@example.cn>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=gbk\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
           ).encode() + body + b"\r\n"
    code, _ = deliver(smtpd, raw, ["support@desk.test"])
    assert code == 250
    (row,) = wait_ingested(db)
    with db.session() as session:
        ticket = session.get(Ticket, row.ticket_id)
        assert ticket is not None and ticket.subject == "打印机无法连接"
        (message,) = session.exec(select(Message).where(Message.ticket_id == ticket.id))
        assert "三楼的打印机连不上网络" in message.text


def test_mail_over_the_size_limit_is_refused_with_552(
    db: Database, settings: Settings, mailboxes: list[Mailbox],
) -> None:
    running = Running(db, settings, max_bytes=10_000)
    try:
        with smtplib.SMTP(running.host, running.port, timeout=10) as client:
            client.ehlo()
            client.mail("carla@example.com")
            client.rcpt("support@desk.test")
            code, _ = client.data(mail() + (b"x" * 70 + b"\r\n") * 300)
    finally:
        running.stop()
    assert code == 552 and raw_rows(db) == []


def test_desk_smtpd_command_ingests_what_it_accepted_before_stopping_on_sigterm(
    db: Database, settings: Settings, mailboxes: list[Mailbox],
) -> None:
    port = free_port()
    env = {**os.environ, "DESK_DATA_DIR": str(settings.data_dir),
           "DESK_DATABASE_URL": settings.database_url, "DESK_SECRET_KEY": "test-secret"}
    desk = Path(sys.executable).with_name("desk")
    proc = subprocess.Popen([str(desk), "--log-level", "WARNING", "smtpd", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith(f"desk smtpd: SMTP on 127.0.0.1:{port}")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("carla@example.com", ["support@desk.test"], mail())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    assert [r.status for r in raw_rows(db)] == [RawStatus.ingested]
    assert ticket_count(db) == 1


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[str, str]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    return str(cert), str(key)


def test_with_tls_and_auth_required_mail_is_taken_only_encrypted_from_who_signs_in(
    db: Database, settings: Settings, mailboxes: list[Mailbox], certificate: tuple[str, str],
) -> None:
    import ssl

    running = Running(db, settings, retry=0.2, tls_cert=certificate[0], tls_key=certificate[1],
                      require_tls=True, auth=("relay", "s3cret-relay"))
    trust = ssl.create_default_context(cafile=certificate[0])
    trust.check_hostname = False
    try:
        with smtplib.SMTP(running.host, running.port, timeout=10) as plain:
            plain.ehlo()
            assert plain.has_extn("starttls") and not plain.has_extn("auth")
            code, reply = plain.mail("carla@example.com")
            assert code == 530, reply  # not before STARTTLS
        with smtplib.SMTP(running.host, running.port, timeout=10) as client:
            client.starttls(context=trust)
            client.ehlo()
            assert client.has_extn("auth")
            code, reply = client.mail("carla@example.com")
            assert code == 530, reply  # not before AUTH
            with pytest.raises(smtplib.SMTPAuthenticationError):
                client.login("relay", "wrong")
        with smtplib.SMTP(running.host, running.port, timeout=10) as client:
            client.starttls(context=trust)
            client.login("relay", "s3cret-relay")
            refused = client.sendmail("carla@example.com", ["support@desk.test"], mail())
            assert refused == {}
        (row,) = wait_ingested(db)
        assert row.status != RawStatus.stored and ticket_count(db) == 1
    finally:
        running.stop()
