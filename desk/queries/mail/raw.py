"""Reads of raw mail for the mail runtime: what a mailbox has stored already, and what
was stored but never ingested."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, col, select

from desk.models import RawMessage, RawMessageBytes, RawStatus


@dataclass(frozen=True)
class KnownRaw:
    """What of a batch a mailbox has stored before: UIDs (under the batch's UIDVALIDITY),
    Message-IDs and sha256 hashes of the bytes."""

    uids: frozenset[int]
    message_ids: frozenset[str]
    hashes: frozenset[str]


def known_raw(session: Session, mailbox: str, uidvalidity: int, uids: Collection[int],
              message_ids: Collection[str], hashes: Collection[str]) -> KnownRaw:
    """Which of these UIDs, Message-IDs and hashes the mailbox's raw mail has already."""
    rows = session.exec(select(RawMessage.uidvalidity, RawMessage.uid, RawMessage.message_id,
                               RawMessage.sha256).where(
        RawMessage.mailbox == mailbox,
        or_(col(RawMessage.sha256).in_(sorted(set(hashes))),
            col(RawMessage.message_id).in_(sorted({m for m in message_ids if m})),
            (col(RawMessage.uidvalidity) == uidvalidity) & col(RawMessage.uid).in_(list(uids))))).all()
    return KnownRaw(uids=frozenset(uid for v, uid, _, _ in rows if v == uidvalidity and uid is not None),
                    message_ids=frozenset(mid for _, _, mid, _ in rows if mid),
                    hashes=frozenset(sha for _, _, _, sha in rows))


def unfinished_imap_mail(session: Session, mailbox: str,
                         limit: int) -> list[tuple[int, int | None, int | None]]:
    """(id, UIDVALIDITY, UID) of the oldest `limit` mails of an IMAP folder that a fetch
    pass stored and never ingested (an interrupted pass)."""
    rows = session.exec(
        select(RawMessage.id, RawMessage.uidvalidity, RawMessage.uid)
        .where(RawMessage.mailbox == mailbox, RawMessage.status == RawStatus.stored,
               col(RawMessage.uid).is_not(None))
        .order_by(col(RawMessage.id)).limit(limit)).all()
    return [(i, v, uid) for i, v, uid in rows if i is not None]


def waiting_pushed_mail(session: Session) -> list[int]:
    """Every raw mail accepted but not yet ingested, oldest first; not mail from an IMAP
    folder (it has a UID), which its fetch pass finishes (after flagging it)."""
    rows = session.exec(select(RawMessage.id).where(
        RawMessage.status == RawStatus.stored, col(RawMessage.uid).is_(None))
        .order_by(col(RawMessage.id)))
    return [i for i in rows if i is not None]


def raw_bytes(session: Session, raw_id: int) -> bytes:
    """The bytes of a stored mail as it came (b"" once anonymised)."""
    row = session.get(RawMessageBytes, raw_id)
    return row.raw if row is not None else b""


def raw_bytes_of(session: Session, raw_ids: Collection[int]) -> dict[int, bytes]:
    """The bytes of several stored mails, by id."""
    rows = session.exec(select(RawMessageBytes.raw_id, RawMessageBytes.raw).where(
        col(RawMessageBytes.raw_id).in_(sorted(set(raw_ids))))).all()
    return dict(rows)
