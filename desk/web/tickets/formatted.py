"""A mail as it was formatted: its sanitised HTML with its inline images, for the agent's
ticket page (a sandboxed frame under "Show formatted").

The stored HTML is sanitised again on the way out; ``cid:`` references point at the same
message's own attachments only; the answer's own Content-Security-Policy allows no script,
no frame, no form and no load from elsewhere (remote images stay blocked), and sandboxes the
document even when opened on its own.

The sandbox keeps the frame's origin (`allow-same-origin`) but never lets a script run: a
frame of no origin sends no SameSite=Lax session cookie with its image requests, so the
inline images would be refused (sent to sign in). Same origin is harmless without
scripts; the two together would not be."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from channels.email.markup import for_display
from desk.i18n import _
from desk.models import Attachment
from desk.queries.tickets.messages import access_message
from desk.web.auth import db_of, staff
from desk.web.files import preview_kind
from desk.web.templating import render

# Images from Desk (the message's attachments) and data: only; inline styles for the page's
# own look; links may open a new tab, nothing else runs or loads. Sandboxed like the page's
# frame (`SANDBOX`), also when the view is opened on its own.
SANDBOX = "allow-same-origin allow-popups allow-popups-to-escape-sandbox"
FORMATTED_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; "
    f"form-action 'none'; frame-ancestors 'self'; sandbox {SANDBOX}"
)


def _urls(attachments: list[Attachment]) -> tuple[dict[str, str], dict[str, str]]:
    """What an image's and a link's ``cid:`` becomes: the agent's preview of an image
    (shown inline), else the download."""
    inline, files = {}, {}
    for att in attachments:
        if att.content_id:
            files[att.content_id] = f"/agent/attachments/{att.id}"
            inline[att.content_id] = files[att.content_id] + (
                "/preview" if preview_kind(att) == "image" else "")
    return inline, files


async def formatted(request: Request) -> Response:
    user = staff(request)
    with db_of(request).session() as session:
        message, attachments = access_message(session, user, request.path_params["message_id"])
    if not message.html:
        raise HTTPException(404, _("Not found."))
    html, remote = for_display(message.html, *_urls(attachments))
    page = render(request, "tickets/formatted.html", html=html, remote_blocked=remote)
    page.headers["Content-Security-Policy"] = FORMATTED_POLICY
    return page


routes = [Route("/agent/messages/{message_id:id}/formatted", formatted, methods=["GET"])]
