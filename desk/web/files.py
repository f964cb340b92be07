"""How the pages show attachments: sizes as people read them ("39 bytes", "1.2 KB",
"3.4 MB"; 1 KB = 1,024 bytes, as most mail programs count) in the page's language, and
which attachments the agent's page previews."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response

from desk.attachment_store import attachment_path, in_database, read_attachment
from desk.db import Database
from desk.i18n import _
from desk.models import Attachment

UNITS = (_("%(size)s KB"), _("%(size)s MB"), _("%(size)s GB"), _("%(size)s TB"))


def human_size(size: int, translate: Callable[..., str] = lambda m, **p: m % p) -> str:
    """``size`` bytes for a person; ``translate`` is the page's gettext (msgid, **params)."""
    if size < 1024:
        if size == 1:
            return translate(_("1 byte"))
        return translate(_("%(count)s bytes"), count=str(max(size, 0)))
    value = float(size)
    for unit in UNITS:
        value /= 1024
        if value < 1024 or unit is UNITS[-1]:
            shown = f"{value:.1f}" if value < 100 else f"{value:.0f}"
            return translate(unit, size=shown.removesuffix(".0") if value >= 10 else shown)
    raise AssertionError("unreachable")


IMAGE_TYPES = frozenset(("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp",
                         "image/avif"))
PDF = "application/pdf"
# Larger images are not previewed: the page would load them whole.
MAX_IMAGE_PREVIEW = 10 * 1024 * 1024


def preview_kind(attachment: Attachment) -> str:
    """"image", "pdf", or "" (no preview) for an attachment."""
    media = attachment.content_type.split(";")[0].strip().lower()
    if media in IMAGE_TYPES and attachment.size <= MAX_IMAGE_PREVIEW:
        return "image"
    if media == PDF or (media == "application/octet-stream"
                        and attachment.filename.lower().endswith(".pdf")):
        return "pdf"
    return ""


def stored_response(db: Database, attachment: Attachment, media_type: str, disposition: str,
                    headers: dict[str, str]) -> Response:
    """An attachment's bytes as an answer (`disposition` "inline" or "attachment", under its
    real name): streamed from its file, or read from the database (desk.attachment_store)."""
    if not in_database(attachment):
        return FileResponse(attachment_path(db.settings.attachments_dir, attachment),
                            media_type=media_type, filename=attachment.filename,
                            content_disposition_type=disposition, headers=headers)
    with db.session() as session:
        try:
            data = read_attachment(session, db.settings.attachments_dir, attachment)
        except FileNotFoundError:
            raise HTTPException(404, _("Not found.")) from None
    name = quote(attachment.filename)
    shown = (f"{disposition}; filename*=utf-8''{name}" if name != attachment.filename
             else f'{disposition}; filename="{attachment.filename}"')
    return Response(data, media_type=media_type,
                    headers={**headers, "Content-Disposition": shown})
