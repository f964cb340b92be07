"""Raw mail given to Desk whole (`desk ingest` files, an mbox, a Maildir, or mail handed
over by `desk ingest` to a running `desk serve`): stored and committed, then ingested through
the same path as IMAP (`desk.actions.mail.quarantine.ingest_with_retry`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from desk.actions.mail.quarantine import ingest_with_retry
from desk.actions.mail.stored import IngestReport, store_raw
from desk.db import Database, commit
from desk.mail.parse_pool import Reading, start_reading

if TYPE_CHECKING:
    from sqlmodel import Session

    from desk.settings import Settings

BATCH = 500
# A batch also ends at this many bytes: two batches and their parsed copies are in memory at
# once (peak RSS on mail with attachments: see the README's Performance section).
BATCH_BYTES = 48 * 1024 * 1024


def batches(mails: Iterable[bytes]) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    size = 0
    for raw in mails:
        batch.append(raw)
        size += len(raw)
        if len(batch) >= BATCH or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _file(session: Session, settings: Settings, reading: Reading, acknowledge: bool) -> IngestReport:
    read = reading.result()
    return ingest_with_retry(session, settings, list(read), acknowledge=acknowledge, read=read)


def import_raw(db: Database, settings: Settings, mailbox: str, mails: Iterable[bytes],
               acknowledge: bool = False) -> tuple[int, IngestReport]:
    """Store, commit and ingest every mail; how many were stored and what became of them.
    A pipeline: while the parse workers read one batch, the next is stored."""
    total, stored = IngestReport(), 0
    pending: Reading | None = None
    with db.session() as session:
        for raws in batches(mails):
            ids = store_raw(session, mailbox, raws)
            commit(session)
            stored += len(ids)
            reading = start_reading(list(zip(ids, raws, strict=True)))
            if pending is not None:
                total.add(_file(session, settings, pending, acknowledge))
            pending = reading
        if pending is not None:
            total.add(_file(session, settings, pending, acknowledge))
    return stored, total

