"""A backup taken while mail arrives restores onto a fresh data folder and database with every
ticket, message and attachment committed before it began, and the restored desk serves."""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from starlette.testclient import TestClient

from desk.actions.mail.quarantine import ingest_with_retry
from desk.actions.mail.stored import store_raw
from desk.app import create_app
from desk.attachment_store import INLINE_MAX
from desk.backup.archive import write_backup
from desk.backup.restore import RestoreError, restore_backup
from desk.cli.main import main
from desk.db import Database, commit
from desk.migrate import alembic_config, upgrade
from desk.settings import Settings, load_settings
from tests.conftest import BACKEND, PG_ADMIN_URL, sign_in

PASSPHRASE = "a long backup passphrase"


def _mail(n: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Customer {n} <customer{n}@example.com>"
    mail["To"] = "support@desk.test"
    mail["Subject"] = f"Order {n} arrived broken"
    mail["Message-ID"] = f"<order-{n}-{secrets.token_hex(4)}@example.com>"
    mail.set_content(f"A photo of order {n} is attached.")
    # Every fourth photo is larger than INLINE_MAX: a file; the others are kept in the database.
    size = 2000 + n + (INLINE_MAX if n % 4 == 0 else 0)
    mail.add_attachment(os.urandom(size), maintype="application", subtype="octet-stream",
                        filename=f"photo-{n}.bin")
    return mail.as_bytes()


def _ingest(db: Database, settings: Settings, raws: list[bytes]) -> None:
    """Through the real mail intake: stored and committed, then ingested."""
    with db.session() as session:
        ids = store_raw(session, "support", raws)
        commit(session)
        ingest_with_retry(session, settings, ids, acknowledge=False)


class Arrivals(threading.Thread):
    """About 10 mails a second, one at a time, until stopped."""

    def __init__(self, db: Database, settings: Settings) -> None:
        super().__init__(name="test-mail-arrivals", daemon=True)
        self.db, self.settings = db, settings
        self.stopping = threading.Event()
        self.committed_at: list[float] = []

    def run(self) -> None:
        n = 1000
        while not self.stopping.is_set():
            started = time.monotonic()
            _ingest(self.db, self.settings, [_mail(n)])
            self.committed_at.append(time.monotonic())
            n += 1
            self.stopping.wait(max(0.0, 0.1 - (time.monotonic() - started)))


def _holdings(database_url: str, root: Path) -> dict[str, set[tuple[object, ...]]]:
    """What a database holds that a user would miss, and the hash of each attachment's bytes
    (its file's, or its row's in attachmentbytes)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            tickets = {tuple(r) for r in conn.execute(text("SELECT id, subject FROM ticket"))}
            messages = {tuple(r) for r in conn.execute(text("SELECT id, ticket_id, text FROM message"))}
            attachments = {tuple(r) for r in conn.execute(text(
                "SELECT id, message_id, filename, sha256, storage_key FROM attachment"))}
            kept = dict(conn.execute(text("SELECT attachment_id, data FROM attachmentbytes")).all())
    finally:
        engine.dispose()
    files = {(row[0], hashlib.sha256(
        (root / str(row[4])[:2] / str(row[4])).read_bytes() if row[4] else kept[row[0]]
    ).hexdigest()) for row in attachments}
    return {"tickets": tickets, "messages": messages, "attachments": attachments, "files": files}


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Settings]:
    """A fresh machine: an empty data folder and, on PostgreSQL, a newly created database."""
    env = {"DESK_DATA_DIR": str(tmp_path / "fresh"), "DESK_SECRET_KEY": "test-secret",
           "DESK_BASE_URL": "http://testserver"}
    name = f"desk_restore_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    if BACKEND == "postgres":
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        env["DESK_DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield load_settings(env)
    finally:
        if BACKEND == "postgres":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_backup_taken_while_mail_arrives_restores_everything_committed_before_it(
    db: Database, settings: Settings, fresh: Settings, make_user, tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    agent = make_user("admin")
    _ingest(db, settings, [_mail(n) for n in range(20)])
    arrivals = Arrivals(db, settings)
    arrivals.start()
    try:
        while len(arrivals.committed_at) < 5:
            time.sleep(0.05)
        before = _holdings(settings.database_url, settings.attachments_dir)
        began = time.monotonic()
        report = write_backup(settings, tmp_path / "desk.backup", PASSPHRASE)
        ended = time.monotonic()
        time.sleep(0.3)
    finally:
        arrivals.stopping.set()
        arrivals.join()
    assert any(began < at < ended for at in arrivals.committed_at), "no mail arrived during the backup"
    assert report.manifest["counts"]["tickets"] >= len(before["tickets"])

    restored = restore_backup(fresh, tmp_path / "desk.backup", PASSPHRASE)

    assert restored.counts == report.manifest["counts"]
    after = _holdings(fresh.database_url, fresh.attachments_dir)
    for kind in ("tickets", "messages", "attachments", "files"):
        assert before[kind] <= after[kind], kind
    assert (fresh.data_dir / "secret_key").read_text().strip() == "test-secret"

    database = Database(fresh)
    try:
        with TestClient(create_app(fresh, database, run_jobs=False)) as client:
            sign_in(client, agent)
            ticket_id, subject = min(before["tickets"])
            page = client.get(f"/agent/tickets/{ticket_id}")
            assert page.status_code == 200 and subject in page.text
            attachment = min(before["attachments"])
            download = client.get(f"/agent/attachments/{attachment[0]}")
            assert hashlib.sha256(download.content).hexdigest() == attachment[3]
    finally:
        database.dispose()


def test_a_wrong_passphrase_or_an_altered_backup_writes_nothing(
    db: Database, settings: Settings, fresh: Settings, tmp_path: Path,
) -> None:
    _ingest(db, settings, [_mail(n) for n in range(3)])
    path = tmp_path / "desk.backup"
    write_backup(settings, path, PASSPHRASE)
    with pytest.raises(RestoreError, match="wrong passphrase"):
        restore_backup(fresh, path, "another passphrase")
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) - 40] ^= 0x40
    (tmp_path / "damaged.backup").write_bytes(bytes(damaged))
    with pytest.raises(RestoreError, match="altered"):
        restore_backup(fresh, tmp_path / "damaged.backup", PASSPHRASE)
    (tmp_path / "cut.backup").write_bytes(path.read_bytes()[:-100])
    with pytest.raises(RestoreError, match="cut off"):
        restore_backup(fresh, tmp_path / "cut.backup", PASSPHRASE)

    assert list(fresh.data_dir.iterdir()) == []
    assert _tables(fresh) == []


def _tables(settings: Settings) -> list[str]:
    if settings.is_sqlite and not (settings.data_dir / "desk.db").exists():
        return []
    engine = create_engine(settings.database_url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_a_used_desk_is_not_overwritten_without_force(
    db: Database, settings: Settings, tmp_path: Path,
) -> None:
    _ingest(db, settings, [_mail(1)])
    path = tmp_path / "desk.backup"
    write_backup(settings, path, PASSPHRASE)
    with pytest.raises(RestoreError, match="not empty"):
        restore_backup(settings, path, PASSPHRASE)


def test_the_commands_take_the_passphrase_from_a_file_and_refuse_an_empty_one(
    db: Database, settings: Settings, fresh: Settings, tmp_path: Path, cli_env: None,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    _ingest(db, settings, [_mail(n) for n in range(2)])
    path, secret = tmp_path / "desk.backup", tmp_path / "passphrase.txt"
    secret.write_text("\n")
    assert main(["backup", str(path), "--passphrase-file", str(secret)]) == 2
    assert "passphrase is empty" in capsys.readouterr().err and not path.exists()

    secret.write_text(PASSPHRASE + "\n")
    assert main(["backup", str(path), "--passphrase-file", str(secret)]) == 0
    assert "2 tickets, 2 messages, 2 attachments" in capsys.readouterr().out
    assert PASSPHRASE.encode() not in path.read_bytes() and b"test-secret" not in path.read_bytes()

    monkeypatch.setenv("DESK_DATA_DIR", str(fresh.data_dir))
    monkeypatch.setenv("DESK_DATABASE_URL", fresh.database_url)
    monkeypatch.setenv("DESK_BACKUP_PASSPHRASE", PASSPHRASE)
    assert main(["restore", str(path)]) == 0
    assert "2 tickets, 2 messages, 2 attachments" in capsys.readouterr().out
    assert main(["restore", str(path)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["restore", str(path), "--force"]) == 0


def test_a_backup_of_an_older_schema_is_brought_up_to_date_on_restore(
    db: Database, settings: Settings, fresh: Settings, tmp_path: Path,
) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config(settings.database_url)
    older = ScriptDirectory.from_config(config).get_revision("0025").down_revision
    _ingest(db, settings, [_mail(1)])
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, str(older))
    try:
        write_backup(settings, tmp_path / "desk.backup", PASSPHRASE)
    finally:
        upgrade(db.engine)

    report = restore_backup(fresh, tmp_path / "desk.backup", PASSPHRASE)

    assert report.manifest["alembic_revision"] == older
    assert "retentionrule" in _tables(fresh)
    assert report.counts["tickets"] == 1
