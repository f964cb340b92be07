"""The mail poller against a real Dovecot: IDLE, polling, mailboxes coming and going, a clean stop."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from imapclient import IMAPClient
from sqlalchemy import update
from sqlmodel import col
from starlette.testclient import TestClient

from channels.email.imap import ImapAccount, connect
from desk.actions.audit import SYSTEM
from desk.actions.rules.manage import create_rule
from desk.app import create_app
from desk.db import Database, commit
from desk.jobs.arq_backend import shutdown, startup
from desk.mail.poller import MailPoller
from desk.models import Mailbox
from desk.secrets import encrypt
from desk.settings import Settings
from tests.desk.sla.helpers import make_policy
from tests.desk.test_mail_fetch import add_mailbox, mail, mailbox, subjects
from tests.mail_servers import ImapLogin


def eventually(check: Callable[[], bool], within: float = 8.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def poller_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("desk-mail")]


def kb_start_up_threads() -> list[str]:
    """The start-up index check reads the database: it must be over when shutdown disposes it."""
    return [t.name for t in threading.enumerate() if t.name == "desk-kb-index"]


@pytest.fixture
def imap(dovecot: ImapLogin) -> Iterator[IMAPClient]:
    c = connect(ImapAccount.from_url(dovecot.url), timeout=10)
    yield c
    c.logout()


@pytest.fixture
def start_poller(db: Database, settings: Settings) -> Iterator[Callable[..., MailPoller]]:
    started: list[MailPoller] = []

    def start(**options: object) -> MailPoller:
        poller = MailPoller(db, settings, **options).start()  # type: ignore[arg-type]
        started.append(poller)
        return poller

    yield start
    for poller in started:
        poller.stop()
    assert poller_threads() == []


def test_mail_appended_while_idling_becomes_a_ticket_within_seconds(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
    start_poller: Callable[..., MailPoller],
) -> None:
    imap.append("INBOX", mail(1))
    # An hour between polls: only IDLE can bring the second mail in time.
    add_mailbox(db, settings, dovecot, poll_seconds=3600)
    start_poller()
    assert eventually(lambda: subjects(db) == ["Printer 1"])  # the pass on start
    imap.append("INBOX", mail(2))
    assert eventually(lambda: subjects(db) == ["Printer 1", "Printer 2"], within=5)


def test_without_idle_the_mailbox_is_polled(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
    start_poller: Callable[..., MailPoller],
) -> None:
    box_id = add_mailbox(db, settings, dovecot, poll_seconds=1)
    start_poller(use_idle=False)
    assert eventually(lambda: mailbox(db, box_id).last_success_at is not None)
    imap.append("INBOX", mail(1))
    assert eventually(lambda: subjects(db) == ["Printer 1"], within=5)


def test_added_and_disabled_mailboxes_are_picked_up(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
    start_poller: Callable[..., MailPoller],
) -> None:
    poller = start_poller(refresh_seconds=0.2)
    imap.append("INBOX", mail(1))
    box_id = add_mailbox(db, settings, dovecot, poll_seconds=3600)
    assert eventually(lambda: subjects(db) == ["Printer 1"])
    assert poller.mailbox_ids == [box_id]
    with db.session() as session:
        session.execute(update(Mailbox).where(col(Mailbox.id) == box_id).values(enabled=False))
        session.commit()
    assert eventually(lambda: poller.mailbox_ids == [] and poller_threads() == ["desk-mail-poller"])
    imap.append("INBOX", mail(2))
    time.sleep(1)
    assert subjects(db) == ["Printer 1"]


def test_a_failing_mailbox_does_not_stop_the_others(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
    start_poller: Callable[..., MailPoller],
) -> None:
    imap.append("INBOX", mail(1))
    broken = add_mailbox(db, settings, dovecot, name="broken", poll_seconds=3600)
    with db.session() as session:
        session.execute(update(Mailbox).where(col(Mailbox.id) == broken).values(
            imap_password=encrypt(str(settings.secret_key), "wrong")))
        session.commit()
    add_mailbox(db, settings, dovecot, name="support", poll_seconds=3600)
    start_poller()
    assert eventually(lambda: subjects(db) == ["Printer 1"])
    assert eventually(lambda: "refused the login" in mailbox(db, broken).last_error)


def test_stop_ends_every_thread_within_seconds_even_in_idle(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    box_id = add_mailbox(db, settings, dovecot, poll_seconds=3600)
    poller = MailPoller(db, settings).start()
    assert eventually(lambda: mailbox(db, box_id).last_success_at is not None)
    time.sleep(0.3)  # into IDLE
    started = time.monotonic()
    poller.stop()
    assert time.monotonic() - started < 3
    assert poller_threads() == []


def test_the_web_app_runs_the_poller_with_in_process_jobs_and_stops_it(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    imap.append("INBOX", mail(1))
    add_mailbox(db, settings, dovecot, poll_seconds=3600)
    app = create_app(settings, db, run_jobs=True)
    with TestClient(app):
        assert isinstance(app.state.mail_poller, MailPoller)
        assert eventually(lambda: subjects(db) == ["Printer 1"])
    assert app.state.mail_poller is None
    assert poller_threads() == [] and kb_start_up_threads() == []
    quiet = create_app(settings, db, run_jobs=True, poll_mail=False)
    with TestClient(quiet):
        assert quiet.state.mail_poller is None
    assert kb_start_up_threads() == []


def test_desk_worker_runs_the_poller_between_startup_and_shutdown(
    db: Database, settings: Settings, dovecot: ImapLogin, imap: IMAPClient,
) -> None:
    imap.append("INBOX", mail(1))
    add_mailbox(db, settings, dovecot, poll_seconds=3600)
    with db.session() as session:  # a rule and an SLA policy: the new ticket's events have work
        make_policy(session)
        create_rule(session, SYSTEM, {"name": "Printers", "events": ["ticket_created"],
                                      "actions": [{"type": "add_tags", "value": ["printer"]}]})
        commit(session)
    ctx: dict[str, Any] = {"settings": settings, "poll_mail": True}
    asyncio.run(startup(ctx))
    try:
        assert isinstance(ctx["mail_poller"], MailPoller)
        assert eventually(lambda: subjects(db) == ["Printer 1"])
    finally:
        asyncio.run(shutdown(ctx))
    assert poller_threads() == [] and kb_start_up_threads() == []
    # The worker's start-up sweep hands the jobs the fetched mail left (the new tickets' rules
    # and SLA clocks) to arq, which puts its Redis pool in the context before it starts.
    queued: list[object] = []

    class Pool:
        async def enqueue_job(self, *args: object, **kwargs: object) -> None:
            queued.append(args)

    burst: dict[str, Any] = {"settings": settings, "poll_mail": False, "redis": Pool()}
    asyncio.run(startup(burst))
    asyncio.run(shutdown(burst))
    assert "mail_poller" not in burst and queued
    assert kb_start_up_threads() == []
