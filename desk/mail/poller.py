"""The long-running mail poller: a thread per enabled IMAP mailbox, waiting in IDLE where the
server offers it and polling every `poll_seconds` where it does not.

Each thread runs fetch passes (`desk.mail.fetch.fetch_mailbox`) itself: a pass on start,
one whenever IDLE reports new mail (EXISTS), one each time IDLE is renewed, and at once
again while a pass leaves mail behind for its cap. The lease on the mailbox row keeps
passes from several processes (more `desk serve`s, a `desk fetch`) from overlapping.
`desk serve` runs it when it runs the jobs in-process, `desk worker` when on Redis.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy.exc import SQLAlchemyError

from channels.email.imap import MailboxError, connect
from desk.db import Database
from desk.mail.fetch import FetchOutcome, account_of, fetch_mailbox
from desk.models import Mailbox
from desk.queries.mail.mailboxes import polled_mailboxes
from desk.secrets import SecretError
from desk.settings import Settings

log = logging.getLogger("desk.mail")

REFRESH_SECONDS = 60.0  # how soon added, changed or disabled mailboxes are noticed
IDLE_SECONDS = 25 * 60  # RFC 2177: servers may drop an IDLE after 30 minutes
RETRY_SECONDS = 5.0  # before reconnecting a dropped IDLE connection

Fetch = Callable[[Database, Settings, int], FetchOutcome]


@dataclass(frozen=True)
class _Config:
    """What a mailbox's thread depends on: a change restarts the thread."""

    id: int
    name: str
    poll_seconds: int
    server: tuple[str, int, bool, str, str, str]  # host, port, ssl, user, password, folder


class MailPoller:
    """Start with `start()`, stop with `stop()` (joins its threads, closes IDLE connections).
    `use_idle=False` polls even servers that offer IDLE."""

    def __init__(self, db: Database, settings: Settings, refresh_seconds: float = REFRESH_SECONDS,
                 idle_seconds: float = IDLE_SECONDS, use_idle: bool = True,
                 fetch: Fetch = fetch_mailbox) -> None:
        self.db = db
        self.settings = settings
        self.refresh_seconds = refresh_seconds
        self.idle_seconds = idle_seconds
        self.use_idle = use_idle
        self.fetch = fetch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._workers: dict[int, _Worker] = {}

    def start(self) -> MailPoller:
        self._stop.clear()
        self._thread = threading.Thread(target=self._supervise, name="desk-mail-poller", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every thread; returns within about `timeout` seconds."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        workers, self._workers = list(self._workers.values()), {}
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.join(max(deadline - time.monotonic(), 0.1))

    @property
    def mailbox_ids(self) -> list[int]:
        return sorted(self._workers)

    def _supervise(self) -> None:
        while not self._stop.is_set():
            try:
                self._refresh(self._configs())
            except SQLAlchemyError as exc:  # the database is away: keep the threads we have
                log.warning("mail poller cannot read the mailboxes: %s", exc)
            self._stop.wait(self.refresh_seconds)

    def _configs(self) -> dict[int, _Config]:
        with self.db.session() as session:
            boxes = polled_mailboxes(session)
        return {b.id: _Config(b.id, b.name, max(b.poll_seconds, 1), (
            b.imap_host, b.imap_port, b.imap_ssl, b.imap_user, b.imap_password, b.imap_folder))
            for b in boxes if b.id is not None}

    def _refresh(self, configs: dict[int, _Config]) -> None:
        if self._stop.is_set():
            return
        for mailbox_id, worker in list(self._workers.items()):
            if configs.get(mailbox_id) != worker.config:
                worker.stop()
                del self._workers[mailbox_id]
        for mailbox_id, config in configs.items():
            if mailbox_id not in self._workers:
                worker = _Worker(self, config)
                self._workers[mailbox_id] = worker
                worker.start()


class _Worker:
    """One mailbox's thread."""

    def __init__(self, poller: MailPoller, config: _Config) -> None:
        self.poller = poller
        self.config = config
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._idle_client: IMAPClient | None = None
        self._thread = threading.Thread(target=self._run, name=f"desk-mail-{config.name}",
                                        daemon=True)
        self._next_pass: float | None = None  # monotonic time of a pass owed, if any
        self._no_idle = not poller.use_idle  # set for good once the server turns out to lack it

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end; wakes it from IDLE by shutting the connection's socket."""
        self._stop.set()
        with self._lock:
            client = self._idle_client
        if client is not None:
            with suppress(OSError):
                client.socket().shutdown(socket.SHUT_RDWR)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        log.info("mailbox=%s poller started", self.config.name)
        while not self._stop.is_set():
            client = None if self._no_idle else self._open_idle()
            if client is None:
                self._pass()
                self._stop.wait(self._poll_wait())
                continue
            try:
                self._idle(client)
            except (OSError, IMAPClientError) as exc:
                if not self._stop.is_set():
                    log.warning("mailbox=%s IDLE connection lost: %s", self.config.name, exc)
                    self._stop.wait(RETRY_SECONDS)
            finally:
                self._close(client, idling=True)
        log.info("mailbox=%s poller stopped", self.config.name)

    def _open_idle(self) -> IMAPClient | None:
        """A connection waiting in IDLE on the folder; None to poll instead (the server has
        no IDLE, or cannot be reached: the pass that follows records why)."""
        try:
            with self.poller.db.session() as session:
                mailbox = session.get(Mailbox, self.config.id)
            if mailbox is None:
                return None
            account = account_of(self.poller.settings, mailbox)
            client = connect(account)
        except (MailboxError, SecretError, SQLAlchemyError) as exc:
            log.info("mailbox=%s polls: no IDLE connection: %s", self.config.name, exc)
            return None
        try:
            if not client.has_capability("IDLE"):
                log.info("mailbox=%s polls every %s s: the server has no IDLE", self.config.name,
                         self.config.poll_seconds)
                self._no_idle = True
                self._close(client, idling=False)
                return None
            client.select_folder(account.folder, readonly=True)
            client.idle()
        except (OSError, IMAPClientError) as exc:
            log.info("mailbox=%s polls: IDLE failed: %s", self.config.name, exc)
            self._close(client, idling=False)
            return None
        with self._lock:
            self._idle_client = client
        if self._stop.is_set():  # stop() came before the client was there to wake
            self._close(client, idling=True)
            return None
        return client

    def _idle(self, client: IMAPClient) -> None:
        """Wait for news in IDLE, with a pass on entering (mail that arrives during it is
        reported once the pass is over)."""
        self._pass()
        renew_at = time.monotonic() + self.poller.idle_seconds
        while not self._stop.is_set():
            wake = min(renew_at, self._next_pass or renew_at)
            timeout = max(wake - time.monotonic(), 0.0)
            started = time.monotonic()
            responses = client.idle_check(timeout=timeout)
            if self._stop.is_set():
                return
            if not responses and time.monotonic() - started < timeout / 2 - 0.5:
                raise ConnectionResetError("the server closed the connection")
            news = any(len(r) > 1 and r[1] == b"EXISTS" for r in responses)
            if news or (self._next_pass is not None and time.monotonic() >= self._next_pass):
                self._pass()
            if time.monotonic() >= renew_at:
                client.idle_done()
                client.idle()
                renew_at = time.monotonic() + self.poller.idle_seconds
                self._pass()

    def _pass(self) -> None:
        """One fetch pass; owes the next one at once when mail is left for the cap, after
        `poll_seconds` when it failed."""
        self._next_pass = None
        try:
            outcome = self.poller.fetch(self.poller.db, self.poller.settings, self.config.id)
        except Exception:  # noqa: BLE001
            # Server errors are recorded on the mailbox by the pass; what escapes it (the
            # database away, a bug) has nowhere else to go, and must not end this thread.
            log.exception("mailbox=%s fetch pass failed", self.config.name)
            self._next_pass = time.monotonic() + self.config.poll_seconds
            return
        if outcome.remaining and not outcome.failed:
            self._next_pass = time.monotonic()
        elif outcome.failed or outcome.busy:
            self._next_pass = time.monotonic() + self.config.poll_seconds

    def _poll_wait(self) -> float:
        if self._next_pass is not None and self._next_pass <= time.monotonic():
            return 0.0
        return float(self.config.poll_seconds)

    def _close(self, client: IMAPClient, idling: bool) -> None:
        with self._lock:
            if self._idle_client is client:
                self._idle_client = None
        # Leaving: a polite DONE and LOGOUT when the connection still works, else just close.
        try:
            if idling:
                client.idle_done()
            client.logout()
        except (OSError, IMAPClientError):
            with suppress(OSError, IMAPClientError):
                client.shutdown()
