"""Raw mail given to Desk whole (`desk ingest` files, an mbox, a Maildir, or mail handed
over by `desk ingest` to a running `desk serve`): stored and committed, then ingested through
the same path as IMAP (`desk.actions.mail.quarantine.ingest_with_retry`).

This module loads no database code until `import_raw` runs: `desk ingest` starts parsing
its first batch (`head_start`) in the parse pool's worker processes while its own process
is still importing the ORM and opening the database (about 0.7 s of a cold start)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from desk.mail.parse_pool import Reading, start_reading

if TYPE_CHECKING:
    from sqlmodel import Session

    from desk.actions.mail.stored import IngestReport
    from desk.db import Database
    from desk.settings import Settings

BATCH = 500
# A batch also ends at this many bytes: two batches and their parsed copies are in memory at
# once (peak RSS on mail with attachments: see the README's Performance section).
BATCH_BYTES = 48 * 1024 * 1024

class HeadStart:
    """A first batch already being parsed, handed over once (`take`): nothing else keeps it,
    so its bytes and parsed copies go as soon as the import is done with them."""

    def __init__(self, raws: list[bytes], reading: Reading) -> None:
        self._batch: tuple[list[bytes], Reading] | None = (raws, reading)

    def take(self) -> tuple[list[bytes], Reading] | None:
        batch, self._batch = self._batch, None
        return batch


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


def head_start(mails: Iterator[bytes]) -> HeadStart | None:
    """The first batch, already being parsed (labelled by its place until it is stored);
    `mails` goes on after it (`batches` stops reading as soon as a batch is full)."""
    first = next(batches(mails), None)
    if first is None:
        return None
    return HeadStart(first, start_reading(list(enumerate(first))))


def _file(session: Session, settings: Settings, reading: Reading, acknowledge: bool) -> IngestReport:
    from desk.actions.mail.quarantine import ingest_with_retry

    read = reading.result()
    return ingest_with_retry(session, settings, list(read), acknowledge=acknowledge, read=read)


def import_raw(db: Database, settings: Settings, mailbox: str, mails: Iterable[bytes],
               acknowledge: bool = False, started: HeadStart | None = None
               ) -> tuple[int, IngestReport]:
    """Store, commit and ingest every mail (`started`, then `mails`); how many were stored and
    what became of them. A pipeline: while the parse workers read one batch, the next is
    stored."""
    from desk.actions.mail.stored import IngestReport, store_raw
    from desk.db import commit

    total, stored = IngestReport(), 0
    pending: Reading | None = None
    with db.session() as session:
        for raws, reading in _readings(started, mails):
            ids = store_raw(session, mailbox, raws)
            commit(session)
            stored += len(ids)
            reading = reading.labelled(ids) if reading is not None else \
                start_reading(list(zip(ids, raws, strict=True)))
            if pending is not None:
                total.add(_file(session, settings, pending, acknowledge))
            pending = reading
        if pending is not None:
            total.add(_file(session, settings, pending, acknowledge))
    return stored, total


def _readings(started: HeadStart | None, mails: Iterable[bytes]
              ) -> Iterator[tuple[list[bytes], Reading | None]]:
    first = started.take() if started is not None else None
    if first is not None:
        yield first
    del first  # the caller holds the batch while it needs it (peak memory)
    for raws in batches(mails):
        yield raws, None
