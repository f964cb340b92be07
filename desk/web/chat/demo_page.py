"""`/chat/demo`: a pretend shop page with the first chat widget on it, so that anyone can
try the chat as a visitor (open it in another browser, or a private window, beside the
queue) without a site of their own."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desk.i18n import _
from desk.queries.chat import widgets
from desk.web.auth import db_of
from desk.web.templating import render


async def demo(request: Request) -> Response:
    with db_of(request).session() as session:
        found = [w for w in widgets(session) if w.enabled]
    if not found:
        raise HTTPException(404, _("No chat widget is switched on: create one in Admin › Live chat."))
    return render(request, "chat/demo.html", widget=found[0],
                  base_url=str(request.base_url).rstrip("/"))


routes = [Route("/chat/demo", demo, methods=["GET"])]
