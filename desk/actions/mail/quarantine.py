"""The quarantine: stored mail that could not be parsed or ingested, kept with its error.

`ingest_with_retry` is the one way every intake path (`desk fetch`, `desk smtpd`,
`desk ingest`) turns stored raw mail into tickets: a mail that makes the ingest
raise is set aside alone, so it never takes the rest of its batch down with it nor
stops the loop that fetched it. Admins then retry or discard what was set aside.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping, Sequence

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.actions.mail.stored import IngestReport, ingest_stored
from desk.db import commit
from desk.mail.parse_pool import Parsed
from desk.models import RawMessage, RawStatus
from desk.queries.mail.quarantine import MAX_ID
from desk.settings import Settings

log = logging.getLogger("desk.quarantine")

# The database itself is unwell (locked, connection lost): no fault of the mail. The
# mail stays "stored" for the next pass instead of being quarantined.
TRANSIENT = (OperationalError, InterfaceError)


class QuarantineError(ValueError):
    """A quarantine request that cannot be done; the message says why."""


class NotQuarantined(QuarantineError):
    """The mail exists but is not (or no longer) in the quarantine."""


def ingest_with_retry(session: Session, settings: Settings, ids: Sequence[int],
                      acknowledge: bool = True, read: Mapping[int, Parsed] | None = None,
                      ) -> IngestReport:
    """Ingest the stored mails `ids` and commit; never loses a batch to one bad mail.

    The batch is ingested in one transaction. When that raises, it is rolled back and
    split in halves, recursively, so the mail that still fails on its own is found with
    few extra commits and quarantined with the exception's last traceback line; every
    other mail is ingested. Database outages (TRANSIENT) are re-raised, leaving the mail
    not yet committed "stored" for a later pass. The session must hold nothing uncommitted:
    a failed batch rolls everything back (the caller commits the raw mail first)."""
    ordered = sorted(set(ids))
    report = IngestReport()
    if ordered:
        _ingest_part(session, settings, ordered, acknowledge, report, read)
    return report


def _ingest_part(session: Session, settings: Settings, ids: list[int], acknowledge: bool,
                 report: IngestReport, parsed: Mapping[int, Parsed] | None = None) -> None:
    try:
        part = ingest_stored(session, settings, ids, acknowledge=acknowledge, read=parsed)
        commit(session)
    except TRANSIENT:
        _rollback(session)
        raise
    except Exception as exc:  # noqa: BLE001 - any bug in ingest is recorded against the mail
        _rollback(session)
        if len(ids) == 1:
            _quarantine(session, ids[0], exc)
            report.quarantined += 1
            return
        middle = len(ids) // 2
        _ingest_part(session, settings, ids[:middle], acknowledge, report, parsed)
        _ingest_part(session, settings, ids[middle:], acknowledge, report, parsed)
        return
    report.add(part)


def _rollback(session: Session) -> None:
    """Roll back, forgetting the jobs the failed transaction enqueued: their rows are gone,
    and the next commit must not hand their ids to the job backend."""
    session.rollback()
    session.info.pop("new_jobs", None)


def error_line(exc: BaseException) -> str:
    """The last line of the exception's traceback: its type and message."""
    return traceback.format_exception_only(exc)[-1].strip()


def _quarantine(session: Session, raw_id: int, exc: Exception) -> None:
    row = session.get(RawMessage, raw_id)
    if row is None:  # deleted meanwhile: nothing left to keep
        return
    row.status, row.error, row.ticket_id = RawStatus.quarantined, error_line(exc), None
    session.add(row)
    commit(session)
    # The type only: a database error's text can carry the mail itself (its SQL
    # parameters), and mail bodies never go to the log. The row keeps the error.
    log.warning("raw mail %s quarantined: ingest failed (%s)", raw_id, type(exc).__name__)


def access_quarantined(session: Session, raw_id: int) -> RawMessage:
    """The quarantined mail `raw_id`; QuarantineError if there is none, NotQuarantined if
    it is not in the quarantine (ingested, discarded...)."""
    row = session.get(RawMessage, raw_id) if 0 < raw_id <= MAX_ID else None
    if row is None:
        raise QuarantineError(f"no stored mail {raw_id}")
    if row.status != RawStatus.quarantined:
        raise NotQuarantined(f"mail {raw_id} is not in the quarantine (it is {row.status})")
    return row


def retry_quarantined(session: Session, settings: Settings, actor: Actor,
                      raw_id: int) -> IngestReport:
    """Put a quarantined mail through the ingest again; commits.

    The retry itself is audited and committed first. If the mail fails again it is back
    in the quarantine with the new error; the row tells the outcome (status, ticket_id,
    error). A new request gets its acknowledgement then, as it would have at first."""
    row = access_quarantined(session, raw_id)
    record(session, actor, "raw_message", raw_id, "retried",
           {"status": [row.status, RawStatus.stored], "error": [row.error, ""]})
    row.status, row.error = RawStatus.stored, ""
    session.add(row)
    commit(session)
    return ingest_with_retry(session, settings, [raw_id])


def discard_quarantined(session: Session, actor: Actor, raw_id: int) -> RawMessage:
    """Throw a quarantined mail away for good; commits. The row and its raw bytes stay,
    so the mailbox's accounting still adds up and the mail can be downloaded."""
    row = access_quarantined(session, raw_id)
    record(session, actor, "raw_message", raw_id, "discarded",
           {"status": [row.status, RawStatus.discarded]})
    row.status = RawStatus.discarded
    session.add(row)
    commit(session)
    return row
