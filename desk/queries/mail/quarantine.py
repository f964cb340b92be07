"""Reads of the quarantine: pages of quarantined mail, newest first, with what a person
needs to recognise each one (sender and subject read leniently from the raw header)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.errors import MessageError
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from channels.email import headers
from desk.models import RawMessage, RawStatus
from desk.models.tables import RAW, RAW_BYTES
from desk.queries.mail.raw import raw_bytes

# Enough for any sane header block; the rest of a large mail is never read for the list.
HEADER_BYTES = 16 * 1024
MAX_LIMIT = 100
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns; PostgreSQL refuses to compare larger


@dataclass(frozen=True)
class QuarantinedMail:
    id: int
    mailbox: str
    received_at: datetime
    sender: str
    subject: str
    size: int
    error: str


@dataclass(frozen=True)
class QuarantinePage:
    items: list[QuarantinedMail]
    # The cursor of the next (older) page; None on the last one.
    next_cursor: int | None


def header_summary(head: bytes) -> tuple[str, str]:
    """(sender, subject) of a raw mail's beginning, best effort: "" for what cannot be read.

    Runs on mail that already broke the parser, so it never raises."""
    try:
        msg = BytesHeaderParser(policy=compat32).parsebytes(head)
        found: dict[str, str] = {}
        for name, value in msg.raw_items():
            if isinstance(value, str):
                found.setdefault(name.lower(), value)
        try:
            name, address = headers.address(found.get("from") or found.get("sender"))
        except headers.AddressError:  # often why it is here: the rest is still worth showing
            name, address = "", ""
        sender = f"{name} <{address}>" if name and address else (address or name)
        return _clean(sender), _clean(headers.decode(found.get("subject")))
    except (MessageError, ValueError, LookupError, TypeError, IndexError):
        return "", ""


def _clean(text: str) -> str:
    """Printable text of a sane length: no control characters from a garbage header."""
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()[:300]


def list_quarantined(session: Session, mailbox: str = "", limit: int = 50,
                     cursor: int | None = None) -> QuarantinePage:
    """Quarantined mail, newest first; `cursor` is a page's `next_cursor` (older mail)."""
    limit = max(1, min(limit, MAX_LIMIT))
    query = core_select(
        RAW.c.id, RAW.c.mailbox, RAW.c.created_at, RAW.c.error,
        func.length(RAW_BYTES.c.raw), func.substr(RAW_BYTES.c.raw, 1, HEADER_BYTES),
    ).select_from(RAW.outerjoin(RAW_BYTES, RAW_BYTES.c.raw_id == RAW.c.id)).where(
        RAW.c.status == RawStatus.quarantined)
    if mailbox:
        query = query.where(RAW.c.mailbox == mailbox)
    if cursor is not None:
        query = query.where(RAW.c.id < min(cursor, MAX_ID))
    query = query.order_by(RAW.c.id.desc()).limit(limit + 1)
    rows = list(session.connection().execute(query))
    items = []
    for raw_id, box, received, error, size, head in rows[:limit]:
        sender, subject = header_summary(bytes(head or b""))
        items.append(QuarantinedMail(raw_id, box, received, sender, subject, int(size or 0),
                                     error))
    return QuarantinePage(items, items[-1].id if len(rows) > limit else None)


def quarantine_mailboxes(session: Session) -> list[str]:
    """The mailboxes that have quarantined mail, for the filter."""
    query = select(RawMessage.mailbox).where(
        RawMessage.status == RawStatus.quarantined).distinct().order_by(col(RawMessage.mailbox))
    return list(session.exec(query))


def count_quarantined(session: Session) -> int:
    query = select(func.count()).select_from(RawMessage).where(
        RawMessage.status == RawStatus.quarantined)
    return int(session.exec(query).one())


def quarantined_raw(session: Session, raw_id: int) -> RawMessage | None:
    """A mail that is or was in the quarantine (discarded mail can still be downloaded)."""
    row = session.get(RawMessage, raw_id) if 0 < raw_id <= MAX_ID else None
    if row is None or row.status not in (RawStatus.quarantined, RawStatus.discarded):
        return None
    return row


def quarantined_eml(session: Session, raw_id: int) -> tuple[int, bytes] | None:
    """(id, raw bytes) of a mail that is or was in the quarantine, for its download."""
    row = quarantined_raw(session, raw_id)
    if row is None or row.id is None:
        return None
    return row.id, raw_bytes(session, row.id)


def quarantine_outcome(session: Session, raw_id: int) -> RawMessage | None:
    """A stored mail as the database holds it now, also when this session loaded it before a
    retry changed it: where a retried mail ended (its status, ticket or new error)."""
    return session.get(RawMessage, raw_id, populate_existing=True) if 0 < raw_id <= MAX_ID else None
