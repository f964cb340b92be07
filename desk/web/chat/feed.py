"""What a visitor's open widget hears: the conversation's public messages and the agents'
typing, from the live hub; and, over a WebSocket, what it says back.

Two transports carry the same feed. `/chat/w/{key}/socket` (WebSocket) first: frames of
JSON both ways. `/chat/w/{key}/stream` (server-sent events) with the POST endpoints of
`visitor.py` for networks that block WebSockets. While either is open the visitor is "on
the page": their replies wait to be read there instead of being mailed."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Any

import anyio
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from channels.chat import MAX_TEXT
from desk.actions.chat.conversations import visitor_said, visitor_seen, visitors_still_here
from desk.db import Database
from desk.i18n import _, gettext_for
from desk.live.hub import Hub
from desk.live.notices import AVAILABILITY, ticket_topic
from desk.models import ChatConversation, ChatWidget
from desk.queries.chat import ChatLine, visible_messages
from desk.web.chat.guard import (
    BEAT_SECONDS,
    BURST,
    MAX_BODY,
    MESSAGES_PER_MINUTE,
    STREAM_SECONDS,
    Refused,
    announce,
    conversation_of,
    intake_of,
    known_online,
    limiter,
    line_json,
    locale_of,
    mark_read,
    origin_of,
    read_allowed,
    refusal,
    still_here_of,
    team_online,
    text_field,
    typing_allowed,
    visitor_presence,
    widget_of,
)

Event = tuple[str, dict[str, Any]]


class Feed:
    """One open widget's view of its conversation, from message `cursor` on."""

    def __init__(self, conn: HTTPConnection, widget: ChatWidget, conversation: ChatConversation,
                 ticket_id: int, cursor: int) -> None:
        self.conn, self.conversation, self.ticket_id, self.cursor = (
            conn, conversation, ticket_id, cursor)
        self.team_id = widget.team_id
        self.online: bool | None = None  # what the widget was last told
        self.db: Database = conn.app.state.db
        self.hub: Hub = conn.app.state.live
        self.still_here = still_here_of(conn)
        self.mine_newest = 0  # the visitor's newest message this feed has passed
        self.read_told = 0  # the newest of theirs the widget was told an agent has read

    def _news(self) -> list[ChatLine]:
        with self.db.session() as session:
            return visible_messages(session, self.ticket_id, self.cursor)

    def _arrived(self) -> None:
        with self.db.session() as session:
            visitor_seen(session, self.conversation.id or 0, None)

    def _beat(self) -> None:
        self.still_here.ids.add(self.conversation.id or 0)
        due = self.still_here.take_due()
        if due:
            with self.db.session() as session:
                visitors_still_here(session, due)

    async def _presence(self, state: str) -> None:
        await announce(self.conn, [visitor_presence(self.conversation, self.ticket_id, state)])

    async def _availability(self, since: float = 0.0) -> list[Event]:
        """Whether the team can chat now, when it changed since the widget was told."""
        online = known_online(self.conn, self.team_id, since)
        if online is None:
            online = await asyncio.to_thread(team_online, self.conn, self.team_id)
        if online == self.online:
            return []
        self.online = online
        return [("availability", {"online": online})]

    def _read_up_to(self, message_id: int) -> list[Event]:
        if message_id <= self.read_told:
            return []
        self.read_told = message_id
        return [("read", {"id": message_id})]

    def _agent_here(self) -> list[Event]:
        """An agent has the ticket's page open (it shows every message as it comes): the
        visitor's messages so far are read."""
        if any(viewer["user"] > 0 for viewer in self.hub.viewers(self.ticket_id)):
            return self._read_up_to(self.mine_newest)
        return []

    async def _lines(self) -> list[Event]:
        events = []
        for line in await asyncio.to_thread(self._news):
            self.cursor = max(self.cursor, line.id)
            if line.mine:
                self.mine_newest = max(self.mine_newest, line.id)
            else:  # an agent answered: they read what the visitor wrote before
                events += self._read_up_to(self.mine_newest)
            events.append(("message", line_json(line)))
        return events + self._agent_here()

    async def events(self) -> AsyncIterator[Event | None]:
        """Messages, typing, and the visitor's messages an agent has read, as they come;
        None every beat (keep the connection open). Ends after STREAM_SECONDS or when this
        process fell too far behind (the widget reconnects from its cursor)."""
        listener = self.hub.listen(frozenset({ticket_topic(self.ticket_id), AVAILABILITY}))
        ends = time.monotonic() + STREAM_SECONDS
        try:
            await self.hub.heard()  # before the first read: nothing after it is missed
            await self._presence("viewing")
            if self.conversation.left_at is None:  # open: said with the next batch of beats
                self.still_here.ids.add(self.conversation.id or 0)
            else:  # back after leaving: at once, so the sweep does not end it again
                await asyncio.to_thread(self._arrived)
            # Beats at a random phase: widgets opened together (a burst of visitors, or all
            # of them reconnecting after a restart) would otherwise beat together, thousands
            # of database and presence calls in one moment, every BEAT_SECONDS.
            next_beat = time.monotonic() + BEAT_SECONDS * random.uniform(0.3, 1.0)
            for event in await self._availability() + await self._lines():
                yield event
            while time.monotonic() < ends:
                try:
                    notice = await asyncio.wait_for(listener.queue.get(),
                                                    max(0.0, next_beat - time.monotonic()))
                except TimeoutError:
                    notice = None
                if listener.overflowed:
                    return
                if notice is None or time.monotonic() >= next_beat:
                    await self._presence("viewing")
                    await asyncio.to_thread(self._beat)
                    next_beat = time.monotonic() + BEAT_SECONDS * random.uniform(0.9, 1.1)
                    for event in await self._availability():  # working hours, signing out
                        yield event
                    if notice is None:
                        yield None
                        continue
                if notice["kind"] == "availability":
                    for event in await self._availability(float(notice.get("at", 0))):
                        yield event
                elif notice["kind"] == "message" and not notice.get("internal"):
                    for event in await self._lines():
                        yield event
                elif (notice["kind"] == "presence" and not notice.get("visitor")
                      and notice.get("by") is not None):
                    yield ("typing", {"name": notice.get("name", ""),
                                      "typing": notice.get("state") == "typing"})
                    for event in self._agent_here():
                        yield event
        finally:
            self.hub.leave(listener)
            with anyio.CancelScope(shield=True):
                await self._presence("left")


def _cursor(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 15 else 0


def _open(conn: HTTPConnection, widget: ChatWidget, token: object) -> tuple[ChatConversation, int]:
    conversation = conversation_of(conn, widget, token)
    if conversation.ticket_id is None:
        raise Refused(409, _("Write a message first."))
    return conversation, conversation.ticket_id


async def stream(request: Request) -> Response:
    """Server-sent events: `message`, `typing`, `read` (the visitor's messages up to `id`
    are read by an agent) and `availability` (`online`: chat now, or leave a message)."""
    origin: str | None = None
    try:
        widget = widget_of(request)
        origin = origin_of(request, widget)
        conversation, ticket_id = _open(request, widget, request.query_params.get("token"))
    except Refused as refused:
        return refusal(request, refused, origin)
    feed = Feed(request, widget, conversation, ticket_id,
                _cursor(request.query_params.get("after", "0")))

    async def text() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        async for event in feed.events():
            if event is None:
                yield ": beat\n\n"
            else:
                yield f"event: {event[0]}\ndata: {json.dumps(event[1], ensure_ascii=False)}\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", "Vary": "Origin"}
    if origin:
        headers["Access-Control-Allow-Origin"] = origin
    return StreamingResponse(text(), media_type="text/event-stream", headers=headers)


async def socket(websocket: WebSocket) -> None:
    """A WebSocket: the feed as {"type": "message"|"typing"|"read"|"availability", "data": ...}
    frames; the widget
    sends {"type": "message", "text", "id"}, {"type": "typing", "state"} or
    {"type": "read", "id"}; each message is answered {"type": "ack", "id", "message",
    "ticket"} once committed, or {"type": "error", "id", "error"}."""
    locale = locale_of(websocket.query_params.get("lang"))
    try:
        widget = widget_of(websocket)
        origin_of(websocket, widget)
        conversation, ticket_id = _open(websocket, widget, websocket.query_params.get("token"))
    except Refused as refused:
        await websocket.close(code=4000 + refused.status, reason=refused.message[:100])
        return
    await websocket.accept()
    feed = Feed(websocket, widget, conversation, ticket_id,
                _cursor(websocket.query_params.get("after", "0")))
    sending = asyncio.Lock()

    async def send(frame: dict[str, Any]) -> None:
        async with sending:
            await websocket.send_text(json.dumps(frame, ensure_ascii=False))

    async def outgoing() -> None:
        async for event in feed.events():
            await send({"type": "beat"} if event is None else {"type": event[0], "data": event[1]})

    async def incoming() -> None:
        while True:
            raw = await websocket.receive_text()
            if len(raw) > MAX_BODY:  # no message fits in this much: refused unread
                await send({"type": "error", "id": None,
                            "error": gettext_for(locale, _("The message is too long."))})
                continue
            try:
                frame = json.loads(raw)
                if not isinstance(frame, dict):
                    raise ValueError("not an object")
                await _handle(websocket, widget, conversation, frame, send)
            except Refused as refused:
                await send({"type": "error", "id": frame.get("id") if isinstance(frame, dict)
                            else None, "error": gettext_for(locale, refused.message)})
            except ValueError:
                await send({"type": "error", "id": None,
                            "error": gettext_for(locale, _("The request could not be read."))})

    tasks = [asyncio.create_task(outgoing()), asyncio.create_task(incoming())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    except WebSocketDisconnect:
        pass
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with anyio.CancelScope(shield=True), suppress(RuntimeError):  # closed by the visitor
            await websocket.close()


async def _handle(websocket: WebSocket, widget: ChatWidget, conversation: ChatConversation,
                  frame: dict[str, Any], send: Any) -> None:
    kind = frame.get("type")
    if kind == "message":
        text = text_field(frame, "text", MAX_TEXT)
        client_id = str(frame.get("id", ""))[:40]
        if not text or not client_id.replace("-", "").isalnum():
            raise Refused(400, _("Write a message first."), "text")
        key = str(conversation.id)
        client = websocket.client.host if websocket.client else "unknown"
        if not (limiter(websocket, "burst", *BURST).allow(key)
                and limiter(websocket, "minute", MESSAGES_PER_MINUTE, 60.0).allow(key)
                and limiter(websocket, "address", MESSAGES_PER_MINUTE * 4, 60.0).allow(client)):
            raise Refused(429, _("You are sending messages too fast. Please wait a moment."))
        result = await intake_of(websocket).submit(
            visitor_said(widget, conversation, text, client_id))
        await send({"type": "ack", "id": client_id, "message": result.message_id,
                    "ticket": result.ticket_id or conversation.ticket_id})
    elif kind == "typing":  # past the limit: dropped without a word (nothing is lost)
        if typing_allowed(websocket, conversation):
            state = "typing" if frame.get("state") == "typing" else "viewing"
            await announce(websocket, [visitor_presence(
                conversation, conversation.ticket_id or 0, state)])
    elif kind == "read":
        raw = frame.get("id")
        if isinstance(raw, int) and 0 < raw < 2**62 and read_allowed(websocket, conversation):
            await mark_read(websocket, conversation, raw)
    else:
        raise ValueError("unknown frame")


routes = [
    Route("/chat/w/{key}/stream", stream, methods=["GET"]),
    WebSocketRoute("/chat/w/{key}/socket", socket),
]
