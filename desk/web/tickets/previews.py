"""Attachment previews on the agent's ticket page: raster images and PDFs shown inline.

Downloads stay downloads (`public.attachment_response`); a preview is served only for the
types a browser shows without running anything of the file's: raster images, and PDFs in
the browser's viewer (not sandboxed: Chromium refuses to show a PDF in a sandboxed frame;
no script, style or connection of the page's own is allowed)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desk.i18n import _
from desk.queries.tickets.messages import attachment_of
from desk.queries.tickets.queue import read_ticket
from desk.web.auth import db_of, staff
from desk.web.files import PDF, preview_kind, stored_response


async def preview(request: Request) -> Response:
    user = staff(request)
    with db_of(request).session() as session:
        found = attachment_of(session, request.path_params["attachment_id"])
        if found is None:
            raise HTTPException(404, _("Not found."))
        attachment, message = found
        read_ticket(session, user, message.ticket_id)
    kind = preview_kind(attachment)
    if not kind:
        raise HTTPException(404, _("Not found."))
    media = PDF if kind == "pdf" else attachment.content_type.split(";")[0].strip().lower()
    return stored_response(
        db_of(request), attachment, media, "inline",
        {"X-Content-Type-Options": "nosniff",
         "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'"})


routes = [Route("/agent/attachments/{attachment_id:id}/preview", preview, methods=["GET"])]
