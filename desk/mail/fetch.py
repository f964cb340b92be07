"""One fetch pass for one IMAP mailbox: raw mail in, tickets out, nothing lost or doubled.

The order is what makes a crash harmless: the raw bytes and the new watermark are
committed together; only then is the mail flagged or moved on the server; then it is
ingested. A pass killed after the commit finds the mail next time as stored but not yet
ingested, flags it (again) and ingests it; a folder recreated under a new UIDVALIDITY is
read again from UID 1 and whatever is already stored (same UID, Message-ID or bytes) is
not stored twice. Synchronous (imapclient is): the poller and the job run it in a thread.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from channels.email.fetch import (
    FetchResult,
    RawMail,
    UidValidityChangedError,
    Watermark,
    fetch_new,
    flag_processed,
    move_processed,
)
from channels.email.imap import ImapAccount, MailboxError, connect
from desk.actions.mail.mailboxes import imap_account
from desk.actions.mail.quarantine import ingest_with_retry
from desk.actions.mail.stored import IngestReport, header_message_id, store_raw
from desk.db import Database, commit
from desk.mail.parse_pool import Reading, start_reading
from desk.models import Mailbox, RawMessage, RawStatus
from desk.models.base import now
from desk.models.mailboxes import AfterFetch
from desk.secrets import SecretError
from desk.settings import Settings

log = logging.getLogger("desk.mail")

# A pass renews its lease every round; a process killed mid-pass holds it this long at most.
LEASE = timedelta(minutes=5)
PASS_CAP = 2000  # messages per pass; the poller runs the next pass at once when more wait
BATCH = 500  # messages per round: fetched, stored and committed, flagged, ingested


@dataclass
class FetchOutcome:
    """What one pass did for one mailbox."""

    mailbox: str
    fetched: int = 0  # read from the server
    stored: int = 0  # new raw mail
    known: int = 0  # already stored (same UID, Message-ID or bytes): not stored again
    resumed: int = 0  # stored by an earlier, interrupted pass and ingested by this one
    remaining: int = 0  # left on the server for the next pass by the cap
    report: IngestReport = field(default_factory=IngestReport)
    error: str = ""
    busy: bool = False  # another pass held the lease: this one did nothing

    @property
    def failed(self) -> bool:
        return bool(self.error)

    def describe(self) -> str:
        """One line for `desk fetch` and the log."""
        if self.busy:
            return "skipped: another fetch of this mailbox is running"
        r = self.report
        line = (f"fetched {self.fetched}, stored {self.stored}, already stored {self.known}, "
                f"resumed {self.resumed}, tickets opened {r.opened}, replies threaded {r.threaded}, "
                f"duplicates {r.duplicates}, auto-replies {r.autoreplies}, bounces {r.bounces}, "
                f"quarantined {r.quarantined}, left for the next pass {self.remaining}")
        return f"{line}; failed: {self.error}" if self.error else line


def fetch_mailbox(db: Database, settings: Settings, mailbox_id: int, cap: int = PASS_CAP,
                  batch: int = BATCH) -> FetchOutcome:
    """Fetch, store and ingest up to `cap` new messages of one mailbox. Server errors (and a
    password this DESK_SECRET_KEY cannot read) are recorded on the mailbox and returned in
    the outcome, never raised; database errors are raised."""
    with db.session() as session:
        mailbox = session.get(Mailbox, mailbox_id)
        if mailbox is None:
            return FetchOutcome(f"#{mailbox_id}", error="no such mailbox")
        # A snapshot: the pass moves the watermark with UPDATEs, and a rollback in the
        # ingest must not send it back to the database for a reload.
        session.expunge(mailbox)
        outcome = FetchOutcome(mailbox.name)
        if not mailbox.imap_host:
            outcome.error = "the mailbox has no IMAP server"
            return outcome
        if not _take_lease(session, mailbox_id):
            outcome.busy = True
            log.info("mailbox=%s fetch skipped: another pass holds the lease", mailbox.name)
            return outcome
        try:
            _run(session, settings, mailbox, outcome, cap, batch)
        except (MailboxError, SecretError) as exc:
            session.rollback()
            outcome.error = str(exc) or type(exc).__name__
        except BaseException:
            session.rollback()
            _finish(session, mailbox_id, None)
            raise
        _finish(session, mailbox_id, outcome.error)
    _log(outcome)
    return outcome


def imap_mailboxes(db: Database, name: str | None = None) -> list[tuple[int, str]]:
    """(id, name) of every enabled mailbox with an IMAP server, or of the one named
    (enabled or not: asking for it by name is asking for a pass)."""
    with db.session() as session:
        query = select(Mailbox.id, Mailbox.name).where(col(Mailbox.imap_host) != "")
        query = query.where(Mailbox.name == name) if name else query.where(
            col(Mailbox.enabled).is_(True))
        return [(i, n) for i, n in session.exec(query.order_by(col(Mailbox.name))) if i is not None]


def account_of(settings: Settings, mailbox: Mailbox) -> ImapAccount:
    """Where to log in. Raises SecretError when the stored password cannot be decrypted,
    MailboxError when the mailbox has no IMAP server."""
    account = imap_account(settings, mailbox)
    if account is None:
        raise MailboxError("the mailbox has no IMAP server")
    return account


def _take_lease(session: Session, mailbox_id: int) -> bool:
    """One pass at a time per mailbox, across threads and processes."""
    stamp = now()
    result = session.execute(
        update(Mailbox)
        .where(col(Mailbox.id) == mailbox_id,
               or_(col(Mailbox.lease_until).is_(None), col(Mailbox.lease_until) < stamp))
        .values(lease_until=stamp + LEASE))
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def _finish(session: Session, mailbox_id: int, error: str | None) -> None:
    """Release the lease and record the pass's health (None: leave the health alone).

    Not audited: this is the fetcher's bookkeeping, not a change anybody made."""
    values: dict[str, object] = {"lease_until": None}
    if error:
        values.update(last_error=error[:2000], last_error_at=now())
    elif error is not None:
        values.update(last_success_at=now(), last_error="", last_error_at=None)
    session.execute(update(Mailbox).where(col(Mailbox.id) == mailbox_id).values(**values))
    session.commit()


def _run(session: Session, settings: Settings, mailbox: Mailbox, outcome: FetchOutcome,
         cap: int, batch: int) -> None:
    """Batches, as a pipeline: a thread fetches batch N+1 while this stores and flags
    batch N, and the parse workers read batch N while this files batch N-1."""
    account = account_of(settings, mailbox)
    client = connect(account)  # flags and moves; the prefetch has a connection of its own
    pending: Reading | None = None
    prefetch: _Prefetch | None = None
    try:
        _resume(session, settings, client, mailbox, account.folder, outcome)
        mark = (Watermark(mailbox.uidvalidity, mailbox.last_uid)
                if mailbox.uidvalidity is not None else None)
        prefetch = _Prefetch(account, mark, batch, cap)
        for result in prefetch:
            stored = _store(session, mailbox, result, outcome)
            commit(session)
            mailbox.uidvalidity, mailbox.last_uid = result.watermark.uidvalidity, result.watermark.uid
            try:
                _after_fetch(client, mailbox, account.folder, result.watermark.uidvalidity,
                             [m.uid for m in result.messages])
            finally:  # mail that cannot be flagged is still stored: it becomes tickets anyway
                reading = start_reading(stored)
                if pending is not None:
                    _file(session, settings, pending, outcome)
                pending = reading
            outcome.remaining = result.remaining
    finally:
        try:
            if prefetch is not None:
                prefetch.close()
            if pending is not None:
                _file(session, settings, pending, outcome)
        finally:
            _logout(client)


class _Prefetch:
    """Fetches batch after batch on its own IMAP connection, one batch ahead of the
    caller, so the wait on the network overlaps the caller's database work. Iterating
    yields the results in order and raises what the fetching raised."""

    def __init__(self, account: ImapAccount, mark: Watermark | None, batch: int, cap: int) -> None:
        self._queue: queue.Queue[FetchResult | BaseException | None] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fetch, args=(account, mark, batch, cap),
                                        name="desk-mail-prefetch", daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[FetchResult]:
        while (item := self._queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        """Stop fetching (when the caller stops early) and wait for the thread."""
        self._stop.set()
        with suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join(timeout=60)

    def _fetch(self, account: ImapAccount, mark: Watermark | None, batch: int, cap: int) -> None:
        client: IMAPClient | None = None
        try:
            client = connect(account)
            fetched = 0
            while fetched < cap and not self._stop.is_set():
                result = fetch_new(client, account.folder, mark, min(batch, cap - fetched))
                fetched += len(result.messages)
                self._put(result)
                if result.remaining == 0 or (mark is not None and result.watermark == mark):
                    break
                mark = result.watermark
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            self._put(exc)
        finally:
            if client is not None:
                _logout(client)
            self._put(None)

    def _put(self, item: FetchResult | BaseException | None) -> None:
        while not self._stop.is_set():
            with suppress(queue.Full):
                self._queue.put(item, timeout=0.2)
                return


def _file(session: Session, settings: Settings, reading: Reading, outcome: FetchOutcome) -> None:
    """Ingest a batch whose parse was started earlier."""
    read = reading.result()
    outcome.report.add(ingest_with_retry(session, settings, _claim(session, list(read)), read=read))


def _resume(session: Session, settings: Settings, client: IMAPClient, mailbox: Mailbox,
            folder: str, outcome: FetchOutcome) -> None:
    """Finish mail an interrupted pass stored but never ingested: flag (or move) it, ingest it.

    Only IMAP mail counts (it has a UID): mail pushed by `desk smtpd` or `desk ingest` is
    ingested by whoever stored it, and this lease does not cover them."""
    rows = session.exec(
        select(RawMessage.id, RawMessage.uidvalidity, RawMessage.uid)
        .where(RawMessage.mailbox == mailbox.name, RawMessage.status == RawStatus.stored,
               col(RawMessage.uid).is_not(None))
        .order_by(col(RawMessage.id)).limit(BATCH)).all()
    if not rows:
        return
    current = [uid for _, uidvalidity, uid in rows
               if uid is not None and uidvalidity == mailbox.uidvalidity]
    try:
        if mailbox.uidvalidity is not None:
            with suppress(UidValidityChangedError):  # the folder was recreated: nothing to flag
                _after_fetch(client, mailbox, folder, mailbox.uidvalidity, current)
    finally:
        ids = [i for i, _, _ in rows if i is not None]
        outcome.report.add(ingest_with_retry(session, settings, _claim(session, ids)))
        outcome.resumed = len(ids)


def _claim(session: Session, ids: Sequence[int]) -> list[int]:
    """Those of `ids` still waiting to be ingested, locked (on PostgreSQL) until the ingest
    commits: another process's sweep of stored mail may be at them too."""
    if not ids:
        return []
    rows = session.exec(select(RawMessage.id).where(
        col(RawMessage.id).in_(list(ids)), RawMessage.status == RawStatus.stored)
        .order_by(col(RawMessage.id)).with_for_update(skip_locked=True))
    return [i for i in rows if i is not None]


def _store(session: Session, mailbox: Mailbox, result: FetchResult,
           outcome: FetchOutcome) -> list[tuple[int, bytes]]:
    """Store what is new, and the watermark with it, in the caller's transaction;
    (raw id, bytes) of each mail stored."""
    uidvalidity = result.watermark.uidvalidity
    fresh = _unknown(session, mailbox.name, uidvalidity, result.messages)
    ids = store_raw(session, mailbox.name, [m.raw for m in fresh],
                    [(uidvalidity, m.uid) for m in fresh])
    stamp = now()
    session.execute(update(Mailbox).where(col(Mailbox.id) == mailbox.id).values(
        uidvalidity=uidvalidity, last_uid=result.watermark.uid, lease_until=stamp + LEASE))
    outcome.fetched += len(result.messages)
    outcome.stored += len(ids)
    outcome.known += len(result.messages) - len(fresh)
    return list(zip(ids, (m.raw for m in fresh), strict=True))


def _unknown(session: Session, name: str, uidvalidity: int,
             messages: Sequence[RawMail]) -> list[RawMail]:
    """The messages not yet stored for this mailbox under their UID, Message-ID or bytes
    (nor earlier in `messages`)."""
    if not messages:
        return []
    hashes = {m.uid: hashlib.sha256(m.raw).hexdigest() for m in messages}
    mids = {m.uid: header_message_id(m.raw) for m in messages}
    wanted_mids = sorted({v for v in mids.values() if v})
    rows = session.exec(select(RawMessage.uidvalidity, RawMessage.uid, RawMessage.message_id,
                               RawMessage.sha256).where(
        RawMessage.mailbox == name,
        or_(col(RawMessage.sha256).in_(sorted(set(hashes.values()))),
            col(RawMessage.message_id).in_(wanted_mids),
            (col(RawMessage.uidvalidity) == uidvalidity) & col(RawMessage.uid).in_(list(hashes))))).all()
    seen_uids = {uid for v, uid, _, _ in rows if v == uidvalidity}
    seen_mids = {mid for _, _, mid, _ in rows if mid}
    seen_hashes = {sha for _, _, _, sha in rows}
    fresh = []
    for m in messages:
        mid, sha = mids[m.uid], hashes[m.uid]
        if m.uid in seen_uids or sha in seen_hashes or (mid and mid in seen_mids):
            continue
        fresh.append(m)
        seen_hashes.add(sha)
        if mid:
            seen_mids.add(mid)
    return fresh


def _after_fetch(client: IMAPClient, mailbox: Mailbox, folder: str, uidvalidity: int,
                 uids: Sequence[int]) -> None:
    """Mark stored mail as processed on the server, as the mailbox asks."""
    if mailbox.after_fetch == AfterFetch.move:
        move_processed(client, folder, uidvalidity, uids, mailbox.processed_folder)
    else:
        flag_processed(client, folder, uidvalidity, uids)


def _logout(client: IMAPClient) -> None:
    # The pass's outcome is already decided; a server that drops the goodbye changes nothing.
    with suppress(OSError, IMAPClientError):
        client.logout()


def _log(outcome: FetchOutcome) -> None:
    if outcome.busy:
        return
    level = logging.WARNING if outcome.failed else logging.INFO
    log.log(level, "mailbox=%s fetch %s", outcome.mailbox, outcome.describe())
