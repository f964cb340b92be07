"""Where an attachment's bytes are kept, and reading them back.

Up to `INLINE_MAX` bytes they are a row of `attachmentbytes` beside the attachment's row,
written in the same transaction and deleted with it (ON DELETE CASCADE); the attachment's
`storage_key` is then "". Larger ones are a file under a random name (`storage_key`, never
derived from the filename) below the attachments folder, streamed from disk when downloaded.

Why two places: a file per attachment made creating files the largest single cost of
ingesting mail with attachments (on this project's ext4 machines, about 1.5 s of system time
for 2,400 files of a 5,000-mail import); most support mail carries small files (signature
logos, screenshots, short PDFs), and SQLite keeps blobs of this size at least as fast as the
file system. Large files stay files, so a download never loads 25 MB into memory.
Attachments stored as files before keep their files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from desk.models import Attachment
from desk.models.tables import ATTACHMENT_BYTES

INLINE_MAX = 256 * 1024


def in_database(attachment: Attachment) -> bool:
    """Whether the bytes are in `attachmentbytes` rather than a file."""
    return not attachment.storage_key


def attachment_path(root: Path, attachment: Attachment) -> Path:
    """The file of an attachment kept on disk (`in_database` is false)."""
    if in_database(attachment):
        raise ValueError(f"attachment {attachment.id} is kept in the database, not in a file")
    return root / attachment.storage_key[:2] / attachment.storage_key


def attachment_files(root: Path, attachments: Iterable[Attachment]) -> list[Path]:
    """The files of those attachments that have one (to delete after their rows go)."""
    return [attachment_path(root, a) for a in attachments if not in_database(a)]


def read_attachment(session: Session, root: Path, attachment: Attachment) -> bytes:
    """An attachment's bytes, from the database or its file. `FileNotFoundError` when they
    are gone (a file deleted behind Desk's back, a row without its bytes)."""
    if not in_database(attachment):
        return attachment_path(root, attachment).read_bytes()
    data = session.connection().execute(
        select(ATTACHMENT_BYTES.c.data).where(ATTACHMENT_BYTES.c.attachment_id == attachment.id)
    ).scalar_one_or_none()
    if data is None:
        raise FileNotFoundError(f"the bytes of attachment {attachment.id} are missing")
    return bytes(data)
