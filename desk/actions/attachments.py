"""Attachment bytes on disk under random names; the row keeps the real name."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from sqlmodel import Session

from channels.message import InboundAttachment
from desk.models import Attachment


def store_attachment(
    session: Session, root: Path, message_id: int, upload: InboundAttachment
) -> Attachment:
    key = secrets.token_hex(16)
    folder = root / key[:2]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes(upload.data)
    row = Attachment(
        message_id=message_id,
        filename=upload.filename[:255] or "attachment",
        content_type=upload.content_type[:255] or "application/octet-stream",
        size=len(upload.data),
        storage_key=key,
        sha256=hashlib.sha256(upload.data).hexdigest(),
    )
    session.add(row)
    return row


def attachment_path(root: Path, attachment: Attachment) -> Path:
    return root / attachment.storage_key[:2] / attachment.storage_key
