"""Reading uploaded files from a form without holding more than the limit."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile

from channels.message import InboundAttachment
from channels.webform import Limits
from desk.actions.ingest.cleaning import file_name
from desk.settings import Settings


@dataclass(frozen=True)
class Uploads:
    files: tuple[InboundAttachment, ...]
    oversize: tuple[str, ...]  # names of files over the limit, dropped


async def read_uploads(form: FormData, field: str, max_bytes: int) -> Uploads:
    files: list[InboundAttachment] = []
    oversize: list[str] = []
    for item in form.getlist(field):
        if not isinstance(item, UploadFile) or not item.filename:
            continue
        data = await item.read(max_bytes + 1)
        await item.close()
        # As the intake cleans a mailed file's name: no control characters, no direction
        # overrides disguising `invoice\u202efdp.exe`.
        name = file_name(item.filename.replace("\\", "/").rsplit("/", 1)[-1])[:255]
        if len(data) > max_bytes:
            oversize.append(name)
            continue
        files.append(InboundAttachment(name, item.content_type or "application/octet-stream", data))
    return Uploads(tuple(files), tuple(oversize))


def upload_limits(settings: Settings) -> Limits:
    return Limits(settings.max_attachment_bytes, settings.max_attachments)
