"""Live updates for open agent pages: a server-sent event stream per page, and presence.

`GET /agent/live?ticket=N&entry=E&message=M` (a ticket page that shows history up to
entry E and messages up to M: anything newer is announced as soon as the stream opens) or
`?queue=1` (queue and board pages) streams what changes as `notice` events, and on a
ticket page who else is there as `presence` events. Opening the stream on a ticket says
"I am viewing it"; `POST /agent/live/typing` says "I am typing" or "I stopped". Pages
work without it; it only saves a reload."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from desk.i18n import _
from desk.live.hub import Hub
from desk.live.notices import QUEUE, Notice, ticket_topic
from desk.live.relay import send
from desk.models import User
from desk.queries.tickets.links import moved_on
from desk.queries.tickets.queue import access_ticket
from desk.web.auth import check_csrf, db_of, staff

BEAT_SECONDS = 15.0  # presence heartbeat and keep-alive comment
STREAM_SECONDS = 600.0  # a stream ends after this; EventSource reconnects on its own
STATES = ("viewing", "typing", "left")


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.live
    return hub


def _ticket_param(request: Request) -> int | None:
    raw = request.query_params.get("ticket", "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise HTTPException(400, _("Not found."))
    return int(raw)


def _seen(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None


def _presence(ticket_id: int, user: User, state: str) -> Notice:
    return {"topic": ticket_topic(ticket_id), "kind": "presence", "ticket": ticket_id,
            "by": user.id, "name": user.name, "state": state}


def _event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _announce(request: Request, notices: list[Notice]) -> None:
    await asyncio.to_thread(send, db_of(request), hub_of(request), notices)


async def stream(request: Request) -> Response:
    user = staff(request)
    ticket_id = _ticket_param(request)
    topics = {QUEUE} if request.query_params.get("queue") else set()
    if ticket_id is not None:
        with db_of(request).session() as session:
            access_ticket(session, user, ticket_id)
        topics.add(ticket_topic(ticket_id))
    if not topics:
        raise HTTPException(400, _("Not found."))
    hub = hub_of(request)
    listener = hub.listen(frozenset(topics))
    await hub.heard()  # before reading what the page may have missed
    # What changed between the page's render and this stream (a message that arrived while
    # the page loaded, or while the stream reconnected) would be missed: say it at once.
    entry, message = _seen(request, "entry"), _seen(request, "message")
    caught_up: Notice | None = None
    if ticket_id is not None and entry is not None and message is not None:
        with db_of(request).session() as session:
            if moved_on(session, ticket_id, entry, message):
                caught_up = {"topic": ticket_topic(ticket_id), "kind": "updated",
                             "ticket": ticket_id, "by": None}

    async def events() -> AsyncIterator[str]:
        ends = time.monotonic() + STREAM_SECONDS
        beat = 0.0
        try:
            yield "retry: 2000\n\n"
            if ticket_id is not None:
                await _announce(request, [_presence(ticket_id, user, "viewing")])
                beat = time.monotonic()
                yield _event("presence", hub.viewers(ticket_id))
            if caught_up is not None:
                yield _event("notice", caught_up)
            while time.monotonic() < ends:
                try:
                    notice = await asyncio.wait_for(listener.queue.get(), BEAT_SECONDS)
                except TimeoutError:
                    notice = None
                if listener.overflowed:
                    yield _event("reload", {})
                    return
                if ticket_id is not None and time.monotonic() - beat >= BEAT_SECONDS:
                    await _announce(request, [_presence(ticket_id, user, "viewing")])
                    beat = time.monotonic()
                if notice is None:
                    yield ": beat\n\n"
                elif notice["kind"] == "presence":
                    yield _event("presence", hub.viewers(int(notice["ticket"])))
                else:
                    yield _event("notice", notice)
        finally:
            hub.leave(listener)
            if ticket_id is not None:
                # The stream ends by cancellation when the page goes: say so all the same.
                with anyio.CancelScope(shield=True):
                    await _announce(request, [_presence(ticket_id, user, "left")])

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


async def typing(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    raw_ticket = str(form.get("ticket", ""))
    state = str(form.get("state", "typing"))
    if not (raw_ticket.isascii() and raw_ticket.isdigit()) or len(raw_ticket) > 12 \
            or state not in STATES:
        return JSONResponse({"error": _("Not found.")}, status_code=400)
    ticket_id = int(raw_ticket)
    with db_of(request).session() as session:
        access_ticket(session, user, ticket_id)
    await _announce(request, [_presence(ticket_id, user, state)])
    return JSONResponse({"ok": True})


routes = [
    Route("/agent/live", stream, methods=["GET"]),
    Route("/agent/live/typing", typing, methods=["POST"]),
]
