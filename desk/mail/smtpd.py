"""`desk smtpd`: an inbound SMTP/LMTP listener a mail server delivers to.

Nothing accepted is ever lost: the raw bytes are stored and committed before the
250 goes out, and a failure to store answers 451 so the sending server keeps the
mail and retries. Parsing and ingesting happen after the 250, in batches, in the
background: a mail that fails on its own is quarantined, one whose ingest fails
because the database does stays `stored` (it is safe) and is retried, and on
start-up every row still `stored` is ingested. Database work runs in
threads so the event loop only speaks SMTP. Bodies are never logged."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import socket
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy.exc import SQLAlchemyError

from desk.actions.mail.quarantine import ingest_with_retry
from desk.actions.mail.raw import claim_stored, store_pushed
from desk.db import Database
from desk.queries.mail.mailboxes import receiving_addresses
from desk.queries.mail.raw import waiting_pushed_mail
from desk.settings import Settings

log = logging.getLogger("desk.mail.smtpd")

MAX_BYTES = 50 * 1024 * 1024  # larger mail gets aiosmtpd's 552
TEMPFAIL = "451 4.3.0 temporary failure, try again later"
NO_MAILBOX = "550 5.1.1 no such mailbox here"


class Recipients:
    """Which mailbox (by name) an address belongs to: enabled mailboxes, case-insensitive.

    The address table is cached for `ttl` seconds and re-read on a miss, so a
    mailbox added a moment ago is found without a query per recipient."""

    def __init__(self, db: Database, catch_all: str | None = None, ttl: float = 5.0) -> None:
        self.db = db
        self.catch_all = catch_all
        self.ttl = ttl
        self._names: dict[str, str] = {}
        self._read_at = float("-inf")

    async def mailbox_for(self, address: str) -> str | None:
        address = address.strip().lower()
        age = time.monotonic() - self._read_at
        name = self._names.get(address) if age < self.ttl else None
        # A miss re-reads (a mailbox added a moment ago), but at most once a second.
        if name is None and age >= min(1.0, self.ttl):
            self._names = await asyncio.to_thread(self._read)
            self._read_at = time.monotonic()
            name = self._names.get(address)
        return name or self.catch_all

    def _read(self) -> dict[str, str]:
        with self.db.session() as session:
            return receiving_addresses(session)


class RawStore:
    """Group commit for raw mail: what arrives while a commit runs is stored by the next
    one (one insert per mailbox, one commit). If a batch fails, each mail is stored
    alone, so one bad mail never costs the others their 250."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[tuple[str, bytes, asyncio.Future[int]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def store(self, mailbox: str, raw: bytes) -> int:
        """The committed RawMessage id; raises if the mail could not be stored."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append((mailbox, raw, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        return await future

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                ids = await asyncio.to_thread(self._write, [(m, r) for m, r, _ in batch])
            except (SQLAlchemyError, OSError, ValueError) as exc:
                if len(batch) == 1:
                    _settle(batch[0][2], exc=exc)
                else:
                    log.warning("storing %d mails together failed (%s); storing them one by one",
                                len(batch), type(exc).__name__)
                    await self._write_alone(batch)
                continue
            for (_m, _r, future), raw_id in zip(batch, ids, strict=True):
                _settle(future, raw_id)

    async def _write_alone(self, batch: list[tuple[str, bytes, asyncio.Future[int]]]) -> None:
        for mailbox, raw, future in batch:
            try:
                (raw_id,) = await asyncio.to_thread(self._write, [(mailbox, raw)])
            except (SQLAlchemyError, OSError, ValueError) as exc:
                _settle(future, exc=exc)
            else:
                _settle(future, raw_id)

    async def drain(self) -> None:
        """Wait for the mail being stored now (its senders get their answers)."""
        if self._writer is not None:
            await self._writer

    def _write(self, mails: list[tuple[str, bytes]]) -> list[int]:
        with self.db.session() as session:
            return store_pushed(session, mails)


def _settle(future: asyncio.Future[int], result: int = 0,
            exc: BaseException | None = None) -> None:
    if future.done():  # the client went away
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


class Ingester:
    """Ingests stored mail in the background, one batch at a time (so two copies of a
    mail in one batch or in consecutive batches are recognised as duplicates).

    Arrivals within `gather` seconds form one batch. A mail that fails on its own is
    quarantined (`desk.actions.mail.quarantine.ingest_with_retry`); a batch that fails because
    the database does is retried after `retry` seconds."""

    def __init__(self, db: Database, settings: Settings, gather: float = 0.1,
                 batch: int = 500, retry: float = 30.0) -> None:
        self.db, self.settings = db, settings
        self.gather, self.batch, self.retry = gather, batch, retry
        self._ids: list[int] = []
        self._wake = asyncio.Event()
        self._closing = False
        self._closed = asyncio.Event()  # cuts a gathering pause short
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def add(self, ids: Sequence[int]) -> None:
        self._ids.extend(ids)
        self._wake.set()

    async def close(self) -> None:
        """Finish what is queued (retries still waiting are left `stored` for the next start)."""
        self._closing = True
        self._closed.set()
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            if not self._ids and self._closing:
                return
            if len(self._ids) < self.batch and not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closed.wait(), self.gather)
            batch, self._ids = self._ids[:self.batch], self._ids[self.batch:]
            if not self._ids and not self._closing:
                self._wake.clear()
            if not batch:
                continue
            failed = await asyncio.to_thread(self._ingest, batch)
            if failed and not self._closing:
                loop.call_later(self.retry, self.add, failed)

    def _ingest(self, ids: list[int]) -> list[int]:
        """Ingest the rows of `ids` still `stored`; returns the ids to retry later.

        `ingest_with_retry` quarantines a mail that fails on its own; what escapes it is
        the database failing, and then the mail simply stays `stored`."""
        try:
            with self.db.session() as session:
                ready = claim_stored(session, ids)
                if ready:
                    ingest_with_retry(session, self.settings, ready)
            return []
        except SQLAlchemyError as exc:
            log.warning("ingesting %d stored mails failed (%s); retrying in %g s",
                        len(ids), type(exc).__name__, self.retry)
            return ids


def stored_ids(db: Database) -> list[int]:
    """Every raw mail accepted but not yet ingested, oldest first; not mail from an IMAP
    folder (it has a UID), which its fetch pass finishes (after flagging it)."""
    with db.session() as session:
        return waiting_pushed_mail(session)


class Handler:
    """aiosmtpd hooks: RCPT accepts our addresses, DATA stores then answers."""

    def __init__(self, recipients: Recipients, store: RawStore, ingester: Ingester,
                 lmtp: bool = False) -> None:
        self.recipients, self.store, self.ingester, self.lmtp = recipients, store, ingester, lmtp

    async def handle_RCPT(self, server: SMTP, session: SmtpSession,  # noqa: N802
                          envelope: Envelope, address: str, rcpt_options: list[str]) -> str:
        try:
            mailbox = await self.recipients.mailbox_for(address)
        except SQLAlchemyError as exc:
            log.warning("could not look up mailboxes: %s", type(exc).__name__)
            return TEMPFAIL
        if mailbox is None:
            return NO_MAILBOX
        envelope.rcpt_tos.append(address)
        # One mail to two of our mailboxes is stored once, under the first.
        if getattr(envelope, "desk_mailbox", None) is None:
            envelope.desk_mailbox = mailbox  # type: ignore[attr-defined]
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: SmtpSession,  # noqa: N802
                          envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            raw_id = await self.store.store(envelope.desk_mailbox, raw)  # type: ignore[attr-defined]
        except (SQLAlchemyError, OSError, ValueError) as exc:
            log.warning("could not store a mail of %d bytes: %s", len(raw), type(exc).__name__)
            return self._each(envelope, TEMPFAIL)
        log.info("stored raw message %d (%d bytes) for %s", raw_id, len(raw),
                 envelope.desk_mailbox)  # type: ignore[attr-defined]
        self.ingester.add([raw_id])
        return self._each(envelope, f"250 2.0.0 stored as {raw_id}")

    async def handle_exception(self, error: Exception) -> str:
        """Whatever went wrong, a 4xx: a 5xx would make the sender bounce the mail."""
        log.warning("smtp session failed: %s", type(error).__name__)
        return TEMPFAIL

    def _each(self, envelope: Envelope, status: str) -> str:
        """LMTP answers DATA once per recipient; SMTP once."""
        if not self.lmtp:
            return status
        return "\r\n".join([status] * max(1, len(envelope.rcpt_tos)))


@dataclass
class Listener:
    """One `desk smtpd`: start it in a running loop, `close()` it to finish cleanly."""

    db: Database
    settings: Settings
    lmtp: bool = False
    catch_all: str | None = None
    max_bytes: int = MAX_BYTES
    # Long enough that a busy minute makes batches big enough for the parse pool
    # (desk.mail.parse_pool), short enough that a ticket appears at once.
    gather: float = 0.1
    retry: float = 30.0
    # Encryption in transit: STARTTLS with this certificate and key (PEM files); with
    # ``require_tls`` nothing but EHLO, STARTTLS and QUIT before it. ``auth`` (user,
    # password): SMTP AUTH (PLAIN, LOGIN) required before MAIL, only over TLS when offered.
    tls_cert: str | None = None
    tls_key: str | None = None
    require_tls: bool = False
    auth: tuple[str, str] | None = None

    def _tls(self) -> ssl.SSLContext | None:
        if not self.tls_cert:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.tls_cert, self.tls_key or None)
        return context

    def _authenticate(self, server: SMTP, session: SmtpSession, envelope: Envelope,
                      mechanism: str, data: object) -> AuthResult:
        assert self.auth is not None
        user, password = self.auth
        ok = (isinstance(data, LoginPassword)
              and hmac.compare_digest(data.login, user.encode())
              and hmac.compare_digest(data.password, password.encode()))
        if not ok:
            log.warning("smtp authentication failed (%s)", mechanism)
        return AuthResult(success=ok, handled=False)

    async def start(self, host: str = "127.0.0.1", port: int = 2525) -> tuple[str, int]:
        """Ingest what an earlier run left `stored`, then listen; returns the bound address."""
        # aiosmtpd logs every DATA line at DEBUG: keep bodies (and per-command noise) out.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.ingester = Ingester(self.db, self.settings, gather=self.gather, retry=self.retry)
        self.ingester.start()
        self.ingester.add(await asyncio.to_thread(stored_ids, self.db))
        self.store = RawStore(self.db)
        handler = Handler(Recipients(self.db, self.catch_all), self.store, self.ingester,
                          lmtp=self.lmtp)
        protocol = LMTP if self.lmtp else SMTP
        name = socket.gethostname()  # aiosmtpd would resolve the FQDN per connection
        loop = asyncio.get_running_loop()
        tls = self._tls()
        security: dict[str, Any] = {"tls_context": tls, "require_starttls": bool(tls and self.require_tls)}
        if self.auth is not None:
            security.update(authenticator=self._authenticate, auth_required=True,
                            auth_require_tls=tls is not None)
        self._server = await loop.create_server(
            lambda: protocol(handler, hostname=name, data_size_limit=self.max_bytes,
                             enable_SMTPUTF8=True, loop=loop, **security), host, port)
        bound: Any = self._server.sockets[0].getsockname()
        return bound[0], bound[1]

    async def close(self) -> None:
        """Stop accepting connections, then finish the ingests already queued."""
        self._server.close()
        await self._server.wait_closed()
        await self.store.drain()
        await self.ingester.close()
