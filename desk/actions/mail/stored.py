"""Mail intake: raw bytes stored first, then parsed, filtered and ingested in batches.

`store_raw` and `ingest_stored` are separate so the caller commits the raw bytes
before anything can fail on them: a mail that breaks the parser is kept, with its
error, and never stops the mail after it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from channels.email import headers
from channels.email.filters.detect_own_address import detect_own_address
from channels.message import InboundMessage
from desk.actions.inserts import insert_rows
from desk.actions.intake import Placement, open_tickets
from desk.actions.replies import Reply, add_customer_replies
from desk.actions.tables import MESSAGES, OUTBOX, RAW, TICKETS
from desk.mail.parse_pool import Parsed, Unreadable, read_mails
from desk.models import (
    Customer,
    Mailbox,
    OutboundMessage,
    OutboundStatus,
    RawMessage,
    RawStatus,
    Status,
    Ticket,
)
from desk.models.base import now
from desk.settings import Settings

_MESSAGES_BY_IDS = core_select(MESSAGES.c.message_id, MESSAGES.c.ticket_id).where(
    MESSAGES.c.message_id.in_(bindparam("ids", expanding=True)))
_STATUSES = core_select(TICKETS.c.id, TICKETS.c.status).where(
    TICKETS.c.id.in_(bindparam("ids", expanding=True)))
_OUTBOX_BY_IDS = core_select(OUTBOX.c.rfc_message_id, OUTBOX.c.ticket_id).where(
    OUTBOX.c.rfc_message_id.in_(bindparam("ids", expanding=True)))


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
    return insert_rows(session, RAW, [dict(
        mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, message_id=header_message_id(raw),
        sha256=hashlib.sha256(raw).hexdigest(), raw=raw, status=RawStatus.stored, error="",
        ticket_id=None, created_at=stamp,
    ) for raw, (uidvalidity, uid) in zip(raws, where, strict=True)])


def header_message_id(raw: bytes) -> str:
    """The Message-ID read straight from the header block, without parsing the mail."""
    end = raw.find(b"\n\n")
    crlf = raw.find(b"\r\n\r\n")
    head = raw[: min(e for e in (end, crlf, len(raw)) if e >= 0)]
    for line in head.splitlines():
        if line[:11].lower() == b"message-id:":
            ids = headers.message_ids(line[11:].decode("utf-8", "surrogateescape"))
            return ids[0][:998] if ids else ""
    return ""


@dataclass
class _Reply:
    row: RawMessage
    message: InboundMessage
    # The ticket it belongs to, or the index (in `new`) of a mail of this batch it answers.
    ticket_id: int | None
    new_index: int | None


def ingest_stored(session: Session, settings: Settings, ids: Sequence[int],
                  acknowledge: bool = True, read: Mapping[int, Parsed] | None = None,
                  ) -> IngestReport:
    """Parse, filter and ingest the stored raw mails `ids`, in order; never raises on a bad mail.

    New requests are opened by one `open_tickets` call, placed by their mailbox (team,
    acknowledgement); replies (by In-Reply-To and References against inbound and outbound
    Message-IDs, then by the "[#N]" tag of the same customer's ticket) are added to their
    ticket, except that a reply to a closed ticket opens a new one that follows it.
    `read`: mail already parsed by `desk.mail.parse_pool.start_reading`, by raw id.
    `acknowledge=False` (imports of old mail) sends no acknowledgements. In the caller's
    transaction."""
    report = IngestReport()
    # Only mail still waiting: ids handed over twice (a sweep beside a fetch) ingest once.
    rows = list(session.exec(select(RawMessage).where(
        col(RawMessage.id).in_(ids), RawMessage.status == RawStatus.stored)
        .order_by(col(RawMessage.id))))
    parsed: list[tuple[RawMessage, InboundMessage]] = []
    own = detect_own_address(_own_addresses(session)) if rows else None
    readings = _read(rows, read or {})
    for row, message in zip(rows, readings, strict=True):
        if isinstance(message, Unreadable):
            row.status, row.error = RawStatus.quarantined, str(message)
            report.quarantined += 1
            continue
        assert own is not None
        checked = own(message)
        assert isinstance(checked, InboundMessage)  # this filter never drops
        parsed.append((row, checked))
    known = _threads(session, parsed)
    statuses = _statuses(session, known, parsed)
    seen: dict[str, int | tuple[str, int]] = {}  # Message-ID -> ticket, or ("new", index)
    new: list[tuple[RawMessage, InboundMessage]] = []
    follows: list[int | None] = []  # per new mail: the closed ticket it continues
    replies: list[_Reply] = []
    for row, message in parsed:
        mid = message.message_id
        if mid and (mid in seen or mid in known.messages):
            row.status = RawStatus.duplicate
            report.duplicates += 1
            continue
        if message.classification == "bounce":
            _bounce(session, row, message, known.outbound)
            report.bounces += 1
            continue
        target = _thread(session, message, known, seen)
        closed = None
        if isinstance(target, int) and statuses.get(target) == Status.closed:
            closed, target = target, None
        if target is None and message.classification == "autoreply":
            row.status = RawStatus.autoreply
            report.autoreplies += 1
        elif target is None:
            if mid:
                seen[mid] = ("new", len(new))
            new.append((row, message))
            follows.append(closed)
        else:
            ticket_id, index = (None, target[1]) if isinstance(target, tuple) else (target, None)
            if mid:
                seen[mid] = target
            replies.append(_Reply(row, message, ticket_id, index))
    places = _placements(session, [row.mailbox for row, _ in new], follows, acknowledge)
    opened = open_tickets(session, settings, [m for _, m in new], places)
    for (row, _), ticket in zip(new, opened, strict=True):
        row.status, row.ticket_id = RawStatus.ingested, ticket.ticket_id
        report.opened += 1
        report.ticket_ids.append(ticket.ticket_id)
    batch: list[Reply] = []
    for reply in replies:
        ticket_id = reply.ticket_id
        if ticket_id is None:
            assert reply.new_index is not None
            ticket_id = opened[reply.new_index].ticket_id
        batch.append(Reply(ticket_id, reply.message))
    add_customer_replies(session, settings, batch)
    for reply, added in zip(replies, batch, strict=True):
        ticket_id = added.ticket_id
        autoreply = reply.message.classification == "autoreply"
        reply.row.status = RawStatus.autoreply if autoreply else RawStatus.ingested
        reply.row.ticket_id = ticket_id
        if autoreply:
            report.autoreplies += 1
        else:
            report.threaded += 1
    session.add_all(rows)
    session.flush()
    return report


def _read(rows: list[RawMessage], ready: Mapping[int, Parsed]) -> list[Parsed]:
    """Each row's parsed mail: from `ready`, the rest parsed now."""
    unread = [row.raw for row in rows if row.id not in ready]
    fresh = iter(read_mails(unread))
    return [ready[row.id] if row.id is not None and row.id in ready else next(fresh)
            for row in rows]


def _own_addresses(session: Session) -> frozenset[str]:
    return frozenset(session.exec(select(Mailbox.address)))


def _statuses(session: Session, known: _Known,
              parsed: list[tuple[RawMessage, InboundMessage]]) -> dict[int, str]:
    """The status of every ticket the batch may thread onto (closed ones get a follow-up)."""
    ids = set(known.messages.values()) | set(known.outbound.values())
    ids.update(m.thread_hint for _, m in parsed if m.thread_hint is not None and m.thread_hint < 2**31)
    if not ids:
        return {}
    return dict(session.connection().execute(_STATUSES, {"ids": sorted(ids)}).all())  # type: ignore[arg-type]


def _placements(session: Session, mailboxes: list[str], follows: list[int | None],
                acknowledge: bool) -> list[Placement]:
    """Team and acknowledgement of each new mail, from the mailbox it came in by. Mail
    filed under a name that is no configured mailbox (an import) is never acknowledged."""
    names = sorted(set(mailboxes))
    boxes = {b.name: b for b in session.exec(select(Mailbox).where(col(Mailbox.name).in_(names)))}
    places = []
    for name, follows_id in zip(mailboxes, follows, strict=True):
        box = boxes.get(name)
        if box is None:
            places.append(Placement(follows_id=follows_id, acknowledge=False))
            continue
        places.append(Placement(
            mailbox_id=box.id, team_id=box.team_id, follows_id=follows_id,
            acknowledge=acknowledge and box.acknowledge, ack_per_hour=box.ack_per_hour,
            ack_subject=box.ack_subject, ack_body=box.ack_body))
    return places


@dataclass(frozen=True)
class _Known:
    messages: dict[str, int]  # stored Message.message_id -> ticket
    outbound: dict[str, int]  # OutboundMessage.rfc_message_id -> ticket


def _threads(session: Session, parsed: list[tuple[RawMessage, InboundMessage]]) -> _Known:
    """Every Message-ID the batch names (own, In-Reply-To, References, bounced) that is stored."""
    wanted: set[str] = set()
    for _, m in parsed:
        wanted.update((m.message_id, m.in_reply_to, *m.references))
        if m.delivery_report is not None:
            wanted.add(m.delivery_report.original_message_id)
    wanted.discard("")
    if not wanted:
        return _Known({}, {})
    conn = session.connection()
    names = sorted(wanted)
    return _Known(
        {r.message_id: r.ticket_id for r in conn.execute(_MESSAGES_BY_IDS, {"ids": names})},
        {r.rfc_message_id: r.ticket_id for r in conn.execute(_OUTBOX_BY_IDS, {"ids": names})},
    )


def _thread(
    session: Session, message: InboundMessage, known: _Known,
    seen: dict[str, int | tuple[str, int]],
) -> int | tuple[str, int] | None:
    """The ticket (or new mail of this batch) `message` answers; None for a new request."""
    for ref in (message.in_reply_to, *reversed(message.references)):
        if not ref:
            continue
        if ref in seen:
            return seen[ref]
        found = known.messages.get(ref) or known.outbound.get(ref)
        if found is not None:
            return found
    # Ticket numbers are 32-bit integers; a larger "[#N]" is no ticket of ours.
    if message.thread_hint is not None and message.thread_hint < 2**31:
        owner = session.exec(select(Customer.email).join(
            Ticket, col(Ticket.customer_id) == col(Customer.id)).where(
            Ticket.id == message.thread_hint)).first()
        if owner is not None and may_quote_tag(owner, message.from_address):
            return message.thread_hint
    return None


# Addresses at these domains belong to unrelated people: sharing one proves nothing.
PUBLIC_MAIL_DOMAINS = frozenset((
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "yahoo.co.jp", "yahoo.com.tw", "yahoo.com.hk", "icloud.com", "me.com",
    "aol.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net", "web.de", "mail.ru",
    "yandex.ru", "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com",
    "sina.cn", "sohu.com", "aliyun.com", "139.com", "189.cn", "hinet.net", "naver.com",
))


def may_quote_tag(owner: str, sender: str) -> bool:
    """Whether a "[#N]" tag from `sender` may add to the ticket of customer `owner`: the
    customer, or a colleague at the same company domain (someone the customer copied in).
    A tag alone never lets a stranger at a public mail provider write into a ticket."""
    sender = sender.strip().lower()
    if sender == owner:
        return True
    domain = sender.rpartition("@")[2]
    return bool(domain) and domain == owner.rpartition("@")[2] and domain not in PUBLIC_MAIL_DOMAINS


def _bounce(session: Session, row: RawMessage, message: InboundMessage,
            outbound: dict[str, int]) -> None:
    """Record the bounce; the outbound mail it reports (if ours) is marked failed."""
    row.status = RawStatus.bounce
    report = message.delivery_report
    if report is None or report.original_message_id not in outbound:
        return
    sent = session.exec(select(OutboundMessage).where(
        OutboundMessage.rfc_message_id == report.original_message_id)).first()
    if sent is None:
        return
    sent.status = OutboundStatus.failed
    sent.last_error = report.diagnostic or f"bounced ({report.status or report.action})"
    session.add(sent)
    row.ticket_id = sent.ticket_id
