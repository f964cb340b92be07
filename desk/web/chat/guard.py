"""What every visitor endpoint of the chat shares: refusals as JSON with CORS, the
widget and conversation a request names, the allowed sites, limits, the group commit of
messages, and presence. Works on an HTTP request and a WebSocket alike."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse

from channels.chat import clean_text
from desk.actions.chat.conversations import Said, record_said, token_hash, visitor_seen
from desk.actions.ingest import Ingested
from desk.db import Database
from desk.group_commit import GroupCommit
from desk.i18n import _, gettext_for
from desk.live.notices import ticket_topic
from desk.live.relay import send
from desk.models import ChatConversation, ChatWidget
from desk.queries.chat import ChatLine, agents_online, conversation_by_token
from desk.queries.chat import widget_by_key as find_widget
from desk.web.ratelimit import SlidingWindow, shared_window

VISIT = re.compile(r"^[A-Za-z0-9_-]{8,40}$")

MAX_BODY = 64 * 1024  # a request body larger than this is refused unread
MESSAGES_PER_MINUTE = 30  # per conversation
BURST = (5, 5.0)  # at most 5 messages in 5 seconds per conversation
STARTS_PER_MINUTE = 20  # new conversations per address
# Each a NOTIFY to every process or a write: the widget sends "typing" at most every 4 s and
# "read" once per message shown, so these leave a person room and a script none.
TYPING_PER_MINUTE = 30  # per conversation
READS_PER_MINUTE = 60  # per conversation
SUGGESTIONS_PER_MINUTE = 120  # per address (the widget asks 400 ms after typing stops)
BEAT_SECONDS = 20.0
STREAM_SECONDS = 600.0


class StillHere:
    """Conversations whose stream beat lately, written in one statement every
    FLUSH_SECONDS (thousands of open widgets would otherwise write a row each per beat)."""

    FLUSH_SECONDS = 15.0

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.flushed = time.monotonic()

    def take_due(self) -> list[int]:
        if time.monotonic() - self.flushed < self.FLUSH_SECONDS or not self.ids:
            return []
        ids, self.ids, self.flushed = sorted(self.ids), set(), time.monotonic()
        return ids


def still_here_of(request: HTTPConnection) -> StillHere:
    state = request.app.state
    found: StillHere | None = getattr(state, "chat_still_here", None)
    if found is None:
        found = state.chat_still_here = StillHere()
    return found


class Refused(Exception):
    def __init__(self, status: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def locale_of(value: object) -> str:
    return "zh_CN" if isinstance(value, str) and value.lower().startswith("zh") else "en"


def origin_of(request: HTTPConnection, widget: ChatWidget) -> str | None:
    """The Origin to answer with CORS (None: no Origin header, a non-browser client).
    Raises Refused when a browser page on a site the widget does not list calls."""
    origin = request.headers.get("origin")
    if origin is None:
        return None
    base = urlsplit(request.app.state.settings.base_url)
    # Desk's own pages (the demo shop) are never another site, by whichever name reached.
    scheme = {"ws": "http", "wss": "https"}.get(request.url.scheme, request.url.scheme)
    own = {f"{base.scheme}://{base.netloc}", f"{scheme}://{request.headers.get('host', '')}"}
    allowed = {line for line in widget.origins.splitlines() if line} | own
    if origin.rstrip("/").lower() not in allowed:
        raise Refused(403, _("This site may not open chats with this widget."))
    return origin


def answer(request: HTTPConnection, body: dict[str, Any], origin: str | None, status: int = 200,
          locale: str = "en") -> JSONResponse:
    headers = {"Cache-Control": "no-store", "Vary": "Origin"}
    if origin:
        headers["Access-Control-Allow-Origin"] = origin
    if "error" in body:
        body = {**body, "error": gettext_for(locale, str(body["error"]))}
    return JSONResponse(body, status_code=status, headers=headers)


def widget_of(request: HTTPConnection) -> ChatWidget:
    with _db(request).session() as session:
        widget = find_widget(session, request.path_params["key"])
    if widget is None or not widget.enabled:
        raise Refused(404, _("This chat is not available."))
    return widget


async def body_of(request: Request) -> dict[str, Any]:
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise Refused(413, _("The message is too long."))
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise Refused(400, _("The request could not be read.")) from None
    if not isinstance(data, dict):
        raise Refused(400, _("The request could not be read."))
    return data


def text_field(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise Refused(400, _("The request could not be read."), name)
    value = clean_text(value)
    if len(value) > limit:
        raise Refused(413 if name == "text" else 400, "The message is too long.", name)
    return value


def conversation_of(request: HTTPConnection, widget: ChatWidget, token: object) -> ChatConversation:
    if not isinstance(token, str) or not token or len(token) > 100:
        raise Refused(401, _("This chat has ended. Start a new one."))
    assert widget.id is not None
    with _db(request).session() as session:
        found = conversation_by_token(session, widget.id, token_hash(token))
    if found is None:
        raise Refused(401, _("This chat has ended. Start a new one."))
    return found


def intake_of(request: HTTPConnection) -> GroupCommit[Said, Ingested]:
    """Visitors' messages that arrive together are written in one transaction, as the web
    form's are; each visitor gets an answer only once theirs is committed."""
    state = request.app.state
    intake: GroupCommit[Said, Ingested] | None = getattr(state, "chat_intake", None)
    if intake is None:
        settings = state.settings
        intake = state.chat_intake = GroupCommit(
            _db(request), lambda session, batch: record_said(session, settings, batch),
            in_thread=True)
    return intake


def limiter(request: HTTPConnection, name: str, limit: int, window: float) -> SlidingWindow:
    """The app's window `name` (shared by every `desk serve` through Redis when there is one)."""
    state = request.app.state
    limiters: dict[str, SlidingWindow] | None = getattr(state, "chat_limiters", None)
    if limiters is None:
        limiters = state.chat_limiters = {}
    if name not in limiters:
        limiters[name] = shared_window(state, f"chat-{name}", limit, window)
    return limiters[name]


def typing_allowed(request: HTTPConnection, conversation: ChatConversation) -> bool:
    return limiter(request, "typing", TYPING_PER_MINUTE, 60.0).allow(str(conversation.id))


def read_allowed(request: HTTPConnection, conversation: ChatConversation) -> bool:
    return limiter(request, "read", READS_PER_MINUTE, 60.0).allow(str(conversation.id))


def line_json(line: ChatLine) -> dict[str, Any]:
    return {"id": line.id, "mine": line.mine, "author": line.author, "text": line.text,
            "at": line.at.isoformat()}


def visitor_presence(conversation: ChatConversation, ticket_id: int, state: str
                      ) -> dict[str, Any]:
    return {"topic": ticket_topic(ticket_id), "kind": "presence", "ticket": ticket_id,
            "by": -(conversation.id or 0), "name": conversation.name or conversation.email,
            "state": state, "visitor": True}


ONLINE_SECONDS = 10.0  # how long one process reuses its answer to "is anyone there?"


def _online_cache(request: HTTPConnection) -> dict[int | None, tuple[float, bool]]:
    state = request.app.state
    cache: dict[int | None, tuple[float, bool]] | None = getattr(state, "chat_online", None)
    if cache is None:
        cache = state.chat_online = {}
    return cache


def known_online(request: HTTPConnection, team_id: int | None, since: float = 0.0) -> bool | None:
    """This process's recent answer to "can the team chat now?" (None: ask `team_online`):
    thousands of open widgets ask on each beat, the database at most every ONLINE_SECONDS
    per team, and again after an agent's change at wall time `since`."""
    found = _online_cache(request).get(team_id)
    if found is not None and found[0] >= since and time.time() - found[0] < ONLINE_SECONDS:
        return found[1]
    return None


def team_online(request: HTTPConnection, team_id: int | None) -> bool:
    """Whether the team can chat now (`agents_online`), remembered for `known_online`.
    Blocking: call in a thread."""
    moment = time.time()
    with _db(request).session() as session:
        online = agents_online(session, team_id)
    _online_cache(request)[team_id] = (moment, online)
    return online


def replies_read(ticket_id: int) -> dict[str, Any]:
    """The visitor read the desk's replies: the agent's ticket page refreshes its delivery
    lines ("Read in the chat")."""
    return {"topic": ticket_topic(ticket_id), "kind": "read", "ticket": ticket_id, "by": None}


async def announce(request: HTTPConnection, notices: list[dict[str, Any]]) -> None:
    await asyncio.to_thread(send, _db(request), request.app.state.live, notices)


async def mark_read(request: HTTPConnection, conversation: ChatConversation,
                    message_id: int | None) -> None:
    """The visitor's widget is open and has shown the desk's messages up to `message_id`."""
    read = await asyncio.to_thread(_seen, _db(request), conversation.id or 0, message_id)
    if read and conversation.ticket_id is not None:
        await announce(request, [replies_read(conversation.ticket_id)])


def _seen(db: Database, conversation_id: int, read_id: int | None) -> int:
    with db.session() as session:
        return visitor_seen(session, conversation_id, read_id)



def _db(request: HTTPConnection) -> Database:
    db: Database = request.app.state.db
    return db


def refusal(request: HTTPConnection, refused: Refused, origin: str | None) -> JSONResponse:
    """A refusal as JSON (with CORS for an allowed site), in the visitor's language."""
    body = {"error": refused.message, **({"field": refused.field} if refused.field else {})}
    return answer(request, body, origin, refused.status,
                  locale_of(request.query_params.get("lang")))
