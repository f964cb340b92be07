"""Storing attachments: small ones' bytes in the database, larger ones in files under random
names (desk.attachment_store says which and why); the row keeps the real name."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlmodel import Session

from channels.message import InboundAttachment
from desk.actions.inserts import insert_many, insert_plain, insert_rows
from desk.attachment_store import INLINE_MAX
from desk.models import Attachment
from desk.models.tables import ATTACHMENT_BYTES, ATTACHMENTS

# Creating a file costs about a millisecond here, mostly waiting on the file system;
# a batch's files are written (and hashed: hashlib lets go of the GIL) by a few threads
# at once (2.4 times as fast measured).
_WRITERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="desk-attachment-writer")
_INLINE = 3  # fewer files than this are written without the threads
# Folders made (or found) by this process: one mkdir each, not one per file.
_FOLDERS: set[Path] = set()


def store_attachment(
    session: Session, root: Path, message_id: int, upload: InboundAttachment
) -> Attachment:
    if len(upload.data) <= INLINE_MAX:
        row = Attachment(message_id=message_id, **_fields(upload, "", _sha256(upload.data)))
        session.add(row)
        session.flush()
        insert_plain(session, ATTACHMENT_BYTES, {"attachment_id": row.id, "data": upload.data})
        return row
    key, digest = _write(root, upload.data)
    row = Attachment(message_id=message_id, **_fields(upload, key, digest))
    session.add(row)
    return row


def store_attachments(session: Session, root: Path,
                      items: Sequence[tuple[int, InboundAttachment]]) -> None:
    """Store many (message id, attachment) pairs: the large ones' files first (all written,
    or an error raised, before any row exists), then the rows, then the small ones' bytes."""
    if not items:
        return
    large = [upload.data for _, upload in items if len(upload.data) > INLINE_MAX]
    if len(large) < _INLINE:
        written = iter([_write(root, d) for d in large])
    else:
        written = iter(list(_WRITERS.map(_write, [root] * len(large), large)))
    rows = [dict(message_id=message_id, **_fields(upload, *(
        next(written) if len(upload.data) > INLINE_MAX else ("", _sha256(upload.data)))))
        for message_id, upload in items]
    if not any(row["storage_key"] == "" for row in rows):
        insert_many(session, ATTACHMENTS, rows)
        return
    ids = insert_rows(session, ATTACHMENTS, rows)
    insert_many(session, ATTACHMENT_BYTES, [
        {"attachment_id": attachment_id, "data": upload.data}
        for attachment_id, row, (_, upload) in zip(ids, rows, items, strict=True)
        if row["storage_key"] == ""])


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(root: Path, data: bytes) -> tuple[str, str]:
    """Write `data` under a new random name; its (storage key, sha256)."""
    key = secrets.token_hex(16)
    folder = root / key[:2]
    if folder not in _FOLDERS:
        folder.mkdir(parents=True, exist_ok=True)
        _FOLDERS.add(folder)
    try:
        _create(folder / key, data)
    except FileNotFoundError:  # the folder was removed since: make it again
        folder.mkdir(parents=True, exist_ok=True)
        _create(folder / key, data)
    return key, _sha256(data)


def _create(path: Path, data: bytes) -> None:
    # Unbuffered, as the bytes are all here: open, fstat, write, close (a buffered open
    # adds an isatty ioctl and a seek). "x": a name is never written twice.
    with open(path, "xb", buffering=0) as file:
        view = memoryview(data)
        while view:
            view = view[file.write(view):]


def _fields(upload: InboundAttachment, key: str, digest: str) -> dict[str, Any]:
    return dict(
        filename=upload.filename[:255] or "attachment",
        content_type=upload.content_type[:255] or "application/octet-stream",
        size=len(upload.data), storage_key=key, sha256=digest,
        content_id=upload.content_id[:255],
    )
