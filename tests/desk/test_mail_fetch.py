"""One fetch pass from a real Dovecot into tickets, and `desk fetch`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from imapclient import SEEN, IMAPClient
from sqlalchemy import update
from sqlmodel import col, func, select

from channels.email.fetch import PROCESSED
from channels.email.imap import ImapAccount, connect
from desk.actions.jobs import enqueue
from desk.cli.main import main
from desk.db import Database, commit
from desk.jobs.runner import execute_job
from desk.mail.fetch import fetch_mailbox
from desk.models import JobStatus, Mailbox, RawMessage, RawStatus, Ticket
from desk.models.base import now
from desk.queries.mail.raw import raw_bytes
from desk.secrets import encrypt
from desk.settings import Settings
from tests.mail_servers import ImapLogin

ROOT = Path(__file__).resolve().parents[2]


def mail(n: int, subject: str = "Printer") -> bytes:
    return (f"From: Customer {n} <customer{n}@example.com>\r\nTo: support@desk.test\r\n"
            f"Subject: {subject} {n}\r\nMessage-ID: <m{n}@example.com>\r\n\r\n"
            f"Body of message {n}.\r\n").encode()


def add_mailbox(db: Database, settings: Settings, login: ImapLogin, name: str = "support",
                **fields: object) -> int:
    with db.session() as session:
        box = Mailbox(name=name, address=f"{name}@desk.test", imap_host=login.host,
                      imap_port=login.port, imap_ssl=False, imap_user=login.user,
                      imap_password=encrypt(str(settings.secret_key), login.password),
                      acknowledge=False, **fields)
        session.add(box)
        commit(session)
        assert box.id is not None
        return box.id


@pytest.fixture
def imap(dovecot: ImapLogin) -> Iterator[IMAPClient]:
    """Someone else's connection to the same account: the mail server's side of things."""
    c = connect(ImapAccount.from_url(dovecot.url), timeout=10)
    yield c
    c.logout()


def flags_of(client: IMAPClient, folder: str = "INBOX") -> list[tuple[bytes, ...]]:
    client.select_folder(folder, readonly=True)
    answer = client.fetch(client.search(["ALL"]), ["FLAGS"])
    return [answer[uid][b"FLAGS"] for uid in sorted(answer)]


def subjects(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.exec(select(Ticket.subject).order_by(col(Ticket.id))))


def raw_count(db: Database) -> int:
    with db.session() as session:
        return session.exec(select(func.count()).select_from(RawMessage)).one()


def mailbox(db: Database, mailbox_id: int) -> Mailbox:
    with db.session() as session:
        box = session.get(Mailbox, mailbox_id)
        assert box is not None
        return box


def test_new_mail_becomes_tickets_and_is_flagged_processed(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    imap.append("INBOX", mail(1))
    imap.append("INBOX", mail(2))
    box_id = add_mailbox(db, settings, dovecot)
    outcome = fetch_mailbox(db, settings, box_id)
    assert (outcome.fetched, outcome.stored, outcome.report.opened, outcome.error) == (2, 2, 2, "")
    assert subjects(db) == ["Printer 1", "Printer 2"]
    assert all(SEEN in f and PROCESSED in f for f in flags_of(imap))
    with db.session() as session:
        rows = session.exec(select(RawMessage).order_by(col(RawMessage.id))).all()
        assert [raw_bytes(session, r.id or 0) for r in rows] == [mail(1), mail(2)]
        assert [r.status for r in rows] == [RawStatus.ingested] * 2
        assert all(r.uidvalidity is not None and r.uid for r in rows)
    box = mailbox(db, box_id)
    assert box.last_uid == rows[-1].uid and box.uidvalidity == rows[-1].uidvalidity
    assert box.last_success_at is not None and box.last_error == "" and box.lease_until is None


def test_mail_already_read_in_another_client_is_still_fetched(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    imap.append("INBOX", mail(1), flags=[SEEN])
    outcome = fetch_mailbox(db, settings, add_mailbox(db, settings, dovecot))
    assert outcome.report.opened == 1
    assert subjects(db) == ["Printer 1"]


def test_second_pass_fetches_only_what_arrived_since(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    imap.append("INBOX", mail(1))
    box_id = add_mailbox(db, settings, dovecot)
    fetch_mailbox(db, settings, box_id)
    again = fetch_mailbox(db, settings, box_id)
    assert (again.fetched, again.stored, again.report.opened) == (0, 0, 0)
    imap.append("INBOX", mail(2))
    third = fetch_mailbox(db, settings, box_id)
    assert (third.fetched, third.stored, third.report.opened) == (1, 1, 1)
    assert subjects(db) == ["Printer 1", "Printer 2"]
    assert raw_count(db) == 2


def test_move_puts_processed_mail_in_the_processed_folder(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    imap.append("INBOX", mail(1))
    box_id = add_mailbox(db, settings, dovecot, after_fetch="move", processed_folder="Desk/Done")
    assert fetch_mailbox(db, settings, box_id).report.opened == 1
    assert flags_of(imap) == []
    assert len(flags_of(imap, "Desk/Done")) == 1
    assert subjects(db) == ["Printer 1"]


def test_recreated_folder_with_new_uidvalidity_stores_nothing_twice(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    imap.create_folder("Support")
    imap.append("Support", mail(1))
    imap.append("Support", mail(2))
    box_id = add_mailbox(db, settings, dovecot, imap_folder="Support")
    fetch_mailbox(db, settings, box_id)
    before = mailbox(db, box_id).uidvalidity
    imap.delete_folder("Support")
    imap.create_folder("Support")
    # A restored backup: the same two mails under new UIDs, and one that is new.
    for n in (1, 2, 3):
        imap.append("Support", mail(n))
    outcome = fetch_mailbox(db, settings, box_id)
    assert mailbox(db, box_id).uidvalidity != before
    assert (outcome.fetched, outcome.known, outcome.stored, outcome.report.opened) == (3, 2, 1, 1)
    assert subjects(db) == ["Printer 1", "Printer 2", "Printer 3"]
    assert raw_count(db) == 3
    assert all(PROCESSED in f for f in flags_of(imap, "Support"))


def test_the_same_mail_delivered_twice_is_stored_once(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    imap.append("INBOX", mail(1))
    imap.append("INBOX", mail(1))
    outcome = fetch_mailbox(db, settings, add_mailbox(db, settings, dovecot))
    assert (outcome.fetched, outcome.stored, outcome.known) == (2, 1, 1)
    assert raw_count(db) == 1
    assert all(PROCESSED in f for f in flags_of(imap))


def test_cap_leaves_the_rest_for_the_next_pass(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    for n in range(1, 6):
        imap.append("INBOX", mail(n))
    box_id = add_mailbox(db, settings, dovecot)
    first = fetch_mailbox(db, settings, box_id, cap=3, batch=2)
    assert (first.fetched, first.report.opened, first.remaining) == (3, 3, 2)
    assert len(subjects(db)) == 3
    second = fetch_mailbox(db, settings, box_id, cap=3, batch=2)
    assert (second.fetched, second.remaining) == (2, 0)
    assert subjects(db) == [f"Printer {n}" for n in range(1, 6)]


def test_a_pass_holding_the_lease_makes_another_skip(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    imap.append("INBOX", mail(1))
    box_id = add_mailbox(db, settings, dovecot)
    with db.session() as session:
        session.execute(update(Mailbox).where(col(Mailbox.id) == box_id)
                        .values(lease_until=now() + timedelta(minutes=1)))
        session.commit()
    assert fetch_mailbox(db, settings, box_id).busy
    assert subjects(db) == []
    with db.session() as session:  # the other pass died; its lease ran out
        session.execute(update(Mailbox).where(col(Mailbox.id) == box_id)
                        .values(lease_until=now() - timedelta(seconds=1)))
        session.commit()
    assert fetch_mailbox(db, settings, box_id).report.opened == 1


def test_wrong_password_is_recorded_and_cleared_by_the_next_success(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    imap.append("INBOX", mail(1))
    box_id = add_mailbox(db, settings, dovecot)
    with db.session() as session:
        session.execute(update(Mailbox).where(col(Mailbox.id) == box_id).values(
            imap_password=encrypt(str(settings.secret_key), "wrong")))
        session.commit()
    outcome = fetch_mailbox(db, settings, box_id)
    assert outcome.failed and "refused the login" in outcome.error
    assert "wrong" not in outcome.error
    box = mailbox(db, box_id)
    assert box.last_error == outcome.error and box.last_error_at is not None
    assert box.last_success_at is None and box.lease_until is None
    with db.session() as session:
        session.execute(update(Mailbox).where(col(Mailbox.id) == box_id).values(
            imap_password=encrypt(str(settings.secret_key), dovecot.password)))
        session.commit()
    assert fetch_mailbox(db, settings, box_id).report.opened == 1
    box = mailbox(db, box_id)
    assert box.last_error == "" and box.last_error_at is None and box.last_success_at is not None


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"DESK_DATA_DIR": str(settings.data_dir), "DESK_DATABASE_URL": settings.database_url,
           "DESK_SECRET_KEY": str(settings.secret_key)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def test_desk_fetch_goes_on_past_a_failing_mailbox_and_exits_1(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str],
) -> None:
    imap.append("INBOX", mail(1))
    add_mailbox(db, settings, dovecot, name="a-broken", imap_folder="Nowhere")
    add_mailbox(db, settings, dovecot, name="b-support")
    assert main(["fetch"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("a-broken: ") and "failed: the folder 'Nowhere' does not exist" in out[0]
    assert out[1].startswith("b-support: fetched 1, stored 1,") and "tickets opened 1" in out[1]
    assert subjects(db) == ["Printer 1"]


def test_desk_fetch_one_mailbox_by_name(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str],
) -> None:
    imap.append("INBOX", mail(1))
    add_mailbox(db, settings, dovecot, name="sales", imap_folder="Nowhere")
    add_mailbox(db, settings, dovecot, name="support")
    assert main(["fetch", "--mailbox", "support"]) == 0
    assert capsys.readouterr().out.startswith("support: fetched 1,")
    assert main(["fetch", "--mailbox", "nobody"]) == 1
    assert "no IMAP mailbox named nobody" in capsys.readouterr().err


KILL_AT_FLAG = """
import os, sys
import channels.email.fetch as fetch

def die(*args, **kwargs):
    os._exit(9)

fetch.flag_processed = fetch.move_processed = die
from desk.actions.jobs import enqueue
from desk.cli.main import main
sys.exit(main(["fetch"]))
"""


def test_fetch_killed_between_storing_and_flagging_yields_the_mail_exactly_once(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str],
) -> None:
    imap.append("INBOX", mail(1))
    box_id = add_mailbox(db, settings, dovecot)
    killed = subprocess.run([sys.executable, "-c", KILL_AT_FLAG], cwd=ROOT, env={**os.environ, **cli_env},
                            capture_output=True, timeout=60)
    assert killed.returncode == 9, killed.stderr.decode()
    with db.session() as session:
        rows = session.exec(select(RawMessage)).all()
        assert [r.status for r in rows] == [RawStatus.stored]  # committed, never ingested
    assert [PROCESSED in f or SEEN in f for f in flags_of(imap)] == [False]
    assert subjects(db) == []
    # The killed process never released its lease: the next pass waits for it to run out.
    assert main(["fetch"]) == 0
    assert "another fetch of this mailbox is running" in capsys.readouterr().out
    with db.session() as session:
        session.execute(update(Mailbox).where(col(Mailbox.id) == box_id)
                        .values(lease_until=now() - timedelta(seconds=1)))
        session.commit()
    assert main(["fetch"]) == 0
    assert "resumed 1, tickets opened 1" in capsys.readouterr().out
    assert subjects(db) == ["Printer 1"]
    assert raw_count(db) == 1
    flags = flags_of(imap)
    assert len(flags) == 1 and SEEN in flags[0] and PROCESSED in flags[0]


def test_fetch_mailbox_job_runs_a_pass(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    imap.append("INBOX", mail(1))
    box_id = add_mailbox(db, settings, dovecot)
    with db.session() as session:
        job_id = enqueue(session, "fetch_mailbox", mailbox_id=box_id)
        commit(session)
    job = execute_job(db, job_id)
    assert job is not None and job.status == JobStatus.done
    assert subjects(db) == ["Printer 1"]


def test_mail_that_breaks_the_parser_is_quarantined_and_the_rest_still_fetched(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    broken = (ROOT / "tests/fixtures/email/025-malformed-binary-noise.eml").read_bytes()
    imap.append("INBOX", mail(1))
    imap.append("INBOX", broken)
    imap.append("INBOX", mail(2))
    outcome = fetch_mailbox(db, settings, add_mailbox(db, settings, dovecot))
    assert not outcome.failed
    assert (outcome.stored, outcome.report.opened, outcome.report.quarantined) == (3, 2, 1)
    assert subjects(db) == ["Printer 1", "Printer 2"]
    with db.session() as session:
        kept = session.exec(select(RawMessage).where(
            RawMessage.status == RawStatus.quarantined)).one()
        assert kept.error
        kept_bytes = raw_bytes(session, kept.id or 0)
    imap.select_folder("INBOX", readonly=True)
    on_server = imap.fetch(imap.search(["ALL"]), ["BODY.PEEK[]"])
    # Byte for byte what the server holds (it turned the NUL it cannot keep into 0x80).
    assert kept_bytes == on_server[sorted(on_server)[1]][b"BODY[]"]
    assert all(PROCESSED in f for f in flags_of(imap))
