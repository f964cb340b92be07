"""Mail intake: raw bytes stored first, then parsed, filtered and ingested in batches.

`store_raw` and `ingest_stored` are separate so the caller commits the raw bytes
before anything can fail on them: a mail that breaks the parser is kept, with its
error, and never stops the mail after it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from channels.email import headers
from channels.email.filters.detect_own_address import detect_own_address
from channels.message import DeliveryReport, InboundMessage
from desk.actions.ingest import Placement, ingest
from desk.actions.inserts import insert_many, insert_rows
from desk.mail.parse_pool import Parsed, Unreadable, read_mails
from desk.models import Mailbox, OutboundMessage, OutboundStatus, RawMessage, RawStatus
from desk.models.base import now
from desk.models.tables import RAW, RAW_BYTES
from desk.queries.mail.mailboxes import mailbox_languages
from desk.queries.mail.raw import raw_bytes_of
from desk.settings import Settings


@dataclass
class IngestReport:
    """What became of a batch of stored mail, one count per outcome."""

    opened: int = 0
    threaded: int = 0
    duplicates: int = 0
    autoreplies: int = 0
    bounces: int = 0
    quarantined: int = 0
    ticket_ids: list[int] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        for name in ("opened", "threaded", "duplicates", "autoreplies", "bounces", "quarantined"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.ticket_ids.extend(other.ticket_ids)


def store_raw(session: Session, mailbox: str, raws: Sequence[bytes],
              uids: Sequence[tuple[int, int]] | None = None) -> list[int]:
    """Insert the raw mails (one statement) with status "stored"; their ids in order.
    `uids` gives each mail's (UIDVALIDITY, UID) when it came from an IMAP folder.

    The caller commits before calling `ingest_stored`."""
    stamp = now()
    where: Sequence[tuple[int | None, int | None]] = uids if uids is not None else [(None, None)] * len(raws)
    ids = insert_rows(session, RAW, [dict(
        mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, message_id=header_message_id(raw),
        sha256=hashlib.sha256(raw).hexdigest(), status=RawStatus.stored, error="",
        ticket_id=None, created_at=stamp,
    ) for raw, (uidvalidity, uid) in zip(raws, where, strict=True)])
    insert_many(session, RAW_BYTES, [dict(raw_id=raw_id, raw=raw)
                                     for raw_id, raw in zip(ids, raws, strict=True)])
    return ids


def header_message_id(raw: bytes) -> str:
    """The Message-ID read straight from the header block, without parsing the mail."""
    crlf = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n", 0, crlf if crlf >= 0 else len(raw))  # never a scan of all of a big mail
    head = raw[: min(e for e in (end, crlf, len(raw)) if e >= 0)]
    for line in head.splitlines():
        if line[:11].lower() == b"message-id:":
            ids = headers.message_ids(line[11:].decode("utf-8", "surrogateescape"))
            return ids[0][:998] if ids else ""
    return ""


def ingest_stored(session: Session, settings: Settings, ids: Sequence[int],
                  acknowledge: bool = True, read: Mapping[int, Parsed] | None = None,
                  ) -> IngestReport:
    """Parse, filter and ingest the stored raw mails `ids`, in order; never raises on a bad mail.

    The email channel's side of the intake: a mail that cannot be read is quarantined, a
    bounce marks the outbound mail it reports, our own addresses are recognised; everything
    else goes through `desk.actions.ingest.ingest`, placed by its mailbox (team,
    acknowledgement). `read`: mail already parsed by `desk.mail.parse_pool.start_reading`,
    by raw id. `acknowledge=False` (imports of old mail) sends no acknowledgements. In the
    caller's transaction."""
    report = IngestReport()
    # Only mail still waiting: ids handed over twice (a sweep beside a fetch) ingest once.
    rows = list(session.exec(select(RawMessage).where(
        col(RawMessage.id).in_(ids), RawMessage.status == RawStatus.stored)
        .order_by(col(RawMessage.id))))
    own = detect_own_address(_own_addresses(session)) if rows else None
    landing: list[tuple[RawMessage, InboundMessage]] = []
    for row, message in zip(rows, _read(session, rows, read or {}), strict=True):
        if isinstance(message, Unreadable):
            row.status, row.error = RawStatus.quarantined, str(message)
            report.quarantined += 1
            continue
        assert own is not None
        checked = own(message)
        assert isinstance(checked, InboundMessage)  # this filter never drops
        if checked.email is not None and checked.email.classification == "bounce":
            _bounce(session, row, checked.email.delivery_report)
            report.bounces += 1
            continue
        landing.append((row, checked))
    places = _placements(session, [row.mailbox for row, _ in landing], acknowledge)
    results = ingest(session, settings, [m for _, m in landing], places)
    for (row, message), result in zip(landing, results, strict=True):
        row.ticket_id = result.ticket_id
        if result.outcome == "duplicate":
            row.status = RawStatus.duplicate
            report.duplicates += 1
        elif result.outcome == "dropped" or message.automatic:
            row.status = RawStatus.autoreply
            report.autoreplies += 1
        else:
            row.status = RawStatus.ingested
            if result.outcome == "opened":
                report.opened += 1
                assert result.ticket_id is not None
                report.ticket_ids.append(result.ticket_id)
            else:
                report.threaded += 1
    session.add_all(rows)
    session.flush()
    return report


def _read(session: Session, rows: list[RawMessage], ready: Mapping[int, Parsed]) -> list[Parsed]:
    """Each row's parsed mail, read with its mailbox's language: from `ready` unless it was
    read with another language and had bytes to guess (rare: only those are read again),
    the rest read from the database and parsed now."""
    languages = mailbox_languages(session, {row.mailbox for row in rows})
    wanted = {row.id: languages.get(row.mailbox, "") for row in rows}
    missing = [row.id for row in rows
               if row.id is not None and not _fits(ready.get(row.id), wanted[row.id])]
    data = raw_bytes_of(session, missing) if missing else {}
    fresh = dict(zip(missing, read_mails([data.get(raw_id, b"") for raw_id in missing],
                                         [wanted[raw_id] for raw_id in missing]), strict=True))
    return [fresh[row.id] if row.id in fresh else ready[row.id] for row in rows if row.id is not None]


def _fits(parsed: Parsed | None, language: str) -> bool:
    """Whether mail parsed already stands: read with `language`, or nothing in it guessed."""
    if parsed is None:
        return False
    if isinstance(parsed, Unreadable) or parsed.email is None:
        return True
    return not parsed.email.guessed or parsed.email.language == language


def _own_addresses(session: Session) -> frozenset[str]:
    return frozenset(session.exec(select(Mailbox.address)))


def _placements(session: Session, mailboxes: list[str], acknowledge: bool) -> list[Placement]:
    """Team and acknowledgement of each new mail, from the mailbox it came in by. Mail
    filed under a name that is no configured mailbox (an import) is never acknowledged."""
    names = sorted(set(mailboxes))
    boxes = {b.name: b for b in session.exec(select(Mailbox).where(col(Mailbox.name).in_(names)))}
    places = []
    for name in mailboxes:
        box = boxes.get(name)
        if box is None:
            places.append(Placement(acknowledge=False))
            continue
        places.append(Placement(
            mailbox_id=box.id, team_id=box.team_id,
            acknowledge=acknowledge and box.acknowledge, ack_per_hour=box.ack_per_hour,
            ack_subject=box.ack_subject, ack_body=box.ack_body))
    return places


def _bounce(session: Session, row: RawMessage, report: DeliveryReport | None) -> None:
    """Record the bounce; the outbound mail it reports (if ours) is marked failed."""
    row.status = RawStatus.bounce
    if report is None or not report.original_message_id:
        return
    sent = session.exec(select(OutboundMessage).where(
        OutboundMessage.rfc_message_id == report.original_message_id)).first()
    if sent is None:
        return
    sent.status = OutboundStatus.failed
    sent.last_error = report.diagnostic or f"bounced ({report.status or report.action})"
    session.add(sent)
    row.ticket_id = sent.ticket_id
