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
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from imapclient import IMAPClient
from sqlmodel import Session

from channels.email.fetch import (
    FetchResult,
    RawMail,
    UidValidityChangedError,
    Watermark,
    flag_processed,
    move_processed,
)
from channels.email.imap import ImapAccount, MailboxError, connect, logout
from desk.actions.mail.fetching import (
    record_fetch_failure,
    record_fetch_success,
    release_fetch_lease,
    store_fetched,
    take_fetch_lease,
)
from desk.actions.mail.mailboxes import imap_account
from desk.actions.mail.quarantine import ingest_with_retry
from desk.actions.mail.raw import claim_stored
from desk.actions.mail.stored import IngestReport, header_message_id
from desk.db import Database
from desk.mail.parse_pool import Reading, start_reading
from desk.mail.prefetch import Prefetch
from desk.models import Mailbox
from desk.models.mailboxes import AfterFetch
from desk.queries.mail import mailboxes as mailbox_queries
from desk.queries.mail.raw import known_raw, unfinished_imap_mail
from desk.secrets import SecretError
from desk.settings import Settings

log = logging.getLogger("desk.mail")

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
        if not take_fetch_lease(session, mailbox_id):
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
            release_fetch_lease(session, mailbox_id)
            raise
        if outcome.error:
            record_fetch_failure(session, mailbox_id, outcome.error)
        else:
            record_fetch_success(session, mailbox_id)
    _log(outcome)
    return outcome


def imap_mailboxes(db: Database, name: str | None = None) -> list[tuple[int, str]]:
    """(id, name) of every enabled mailbox with an IMAP server, or of the one named
    (enabled or not: asking for it by name is asking for a pass)."""
    with db.session() as session:
        return mailbox_queries.imap_mailboxes(session, name)


def account_of(settings: Settings, mailbox: Mailbox) -> ImapAccount:
    """Where to log in. Raises SecretError when the stored password cannot be decrypted,
    MailboxError when the mailbox has no IMAP server."""
    account = imap_account(settings, mailbox)
    if account is None:
        raise MailboxError("the mailbox has no IMAP server")
    return account


def _run(session: Session, settings: Settings, mailbox: Mailbox, outcome: FetchOutcome,
         cap: int, batch: int) -> None:
    """Batches, as a pipeline: a thread fetches batch N+1 while this stores and flags
    batch N, and the parse workers read batch N while this files batch N-1."""
    account = account_of(settings, mailbox)
    client = connect(account)  # flags and moves; the prefetch has a connection of its own
    pending: Reading | None = None
    prefetch: Prefetch | None = None
    try:
        _resume(session, settings, client, mailbox, account.folder, outcome)
        mark = (Watermark(mailbox.uidvalidity, mailbox.last_uid)
                if mailbox.uidvalidity is not None else None)
        prefetch = Prefetch(account, mark, batch, cap)
        for result in prefetch:
            stored = _store(session, mailbox, result, outcome)
            mailbox.uidvalidity, mailbox.last_uid = result.watermark.uidvalidity, result.watermark.uid
            try:
                _after_fetch(client, mailbox, account.folder, result.watermark.uidvalidity,
                             [m.uid for m in result.messages])
            finally:  # mail that cannot be flagged is still stored: it becomes tickets anyway
                reading = start_reading(stored, mailbox.language)
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
            logout(client)


def _file(session: Session, settings: Settings, reading: Reading, outcome: FetchOutcome) -> None:
    """Ingest a batch whose parse was started earlier."""
    read = reading.result()
    outcome.report.add(ingest_with_retry(session, settings, claim_stored(session, list(read)),
                                         read=read))


def _resume(session: Session, settings: Settings, client: IMAPClient, mailbox: Mailbox,
            folder: str, outcome: FetchOutcome) -> None:
    """Finish mail an interrupted pass stored but never ingested: flag (or move) it, ingest it.

    Only IMAP mail counts (it has a UID): mail pushed by `desk smtpd` or `desk ingest` is
    ingested by whoever stored it, and this lease does not cover them."""
    rows = unfinished_imap_mail(session, mailbox.name, BATCH)
    if not rows:
        return
    current = [uid for _, uidvalidity, uid in rows
               if uid is not None and uidvalidity == mailbox.uidvalidity]
    try:
        if mailbox.uidvalidity is not None:
            with suppress(UidValidityChangedError):  # the folder was recreated: nothing to flag
                _after_fetch(client, mailbox, folder, mailbox.uidvalidity, current)
    finally:
        ids = [i for i, _, _ in rows]
        outcome.report.add(ingest_with_retry(session, settings, claim_stored(session, ids)))
        outcome.resumed = len(ids)


def _store(session: Session, mailbox: Mailbox, result: FetchResult,
           outcome: FetchOutcome) -> list[tuple[int, bytes]]:
    """Store what is new, and the watermark with it, committed; (raw id, bytes) of each
    mail stored."""
    fresh = _unknown(session, mailbox.name, result.watermark.uidvalidity, result.messages)
    ids = store_fetched(session, mailbox, result.watermark, fresh)
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
    known = known_raw(session, name, uidvalidity, list(hashes), list(mids.values()),
                      list(hashes.values()))
    seen_mids, seen_hashes = set(known.message_ids), set(known.hashes)
    fresh = []
    for m in messages:
        mid, sha = mids[m.uid], hashes[m.uid]
        if m.uid in known.uids or sha in seen_hashes or (mid and mid in seen_mids):
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


def _log(outcome: FetchOutcome) -> None:
    if outcome.busy:
        return
    level = logging.WARNING if outcome.failed else logging.INFO
    log.log(level, "mailbox=%s fetch %s", outcome.mailbox, outcome.describe())
