"""The visitor's side of live chat, called by the widget script on the customer's site.

JSON in (sent as text/plain, so browsers send it cross-site without a preflight), JSON out,
with CORS for the widget's allowed sites only; no cookies: the visitor's browser keeps a
conversation token. A page on a site the widget does not list is refused (403), and so is
an identity whose signature does not match. Messages go through the one intake before
anyone sees them. Routes live under /chat/w/{key}/ (key: the widget's public id)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from channels.chat import MAX_NAME, MAX_TEXT, clean_text, valid_email, verified_identity
from desk import ROOT
from desk.actions.chat.conversations import (
    Said,
    Visitor,
    record_said,
    resume_elsewhere,
    start_conversation,
    token_hash,
    visitor_left,
    visitor_said,
    visitor_seen,
    visitors_still_here,
)
from desk.actions.chat.widgets import identity_secret
from desk.actions.ingest import Ingested
from desk.group_commit import GroupCommit
from desk.i18n import _, gettext_for
from desk.live.notices import ticket_topic
from desk.live.relay import send
from desk.models import ChatConversation, ChatWidget, DeflectionKind
from desk.models.chat import AskEmail
from desk.queries.chat import (
    ChatLine,
    agents_online,
    conversation_by_token,
    verified_conversation,
    visible_messages,
)
from desk.queries.chat import widget_by_key as find_widget
from desk.web.auth import db_of
from desk.web.kb.deflection import public_suggestions, record_public
from desk.web.ratelimit import SlidingWindow

_VISIT = re.compile(r"^[A-Za-z0-9_-]{8,40}$")

MAX_BODY = 64 * 1024  # a request body larger than this is refused unread
MESSAGES_PER_MINUTE = 30  # per conversation
BURST = (5, 5.0)  # at most 5 messages in 5 seconds per conversation
STARTS_PER_MINUTE = 20  # new conversations per address
BEAT_SECONDS = 20.0
STREAM_SECONDS = 600.0
WIDGET_JS = ROOT / "static" / "js" / "chat-widget.js"


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


def _still_here(request: Request) -> StillHere:
    state = request.app.state
    found: StillHere | None = getattr(state, "chat_still_here", None)
    if found is None:
        found = state.chat_still_here = StillHere()
    return found


class Refused(Exception):
    def __init__(self, status: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def _locale(value: object) -> str:
    return "zh_CN" if isinstance(value, str) and value.lower().startswith("zh") else "en"


def _origin_allowed(request: Request, widget: ChatWidget) -> str | None:
    """The Origin to answer with CORS (None: no Origin header, a non-browser client).
    Raises Refused when a browser page on a site the widget does not list calls."""
    origin = request.headers.get("origin")
    if origin is None:
        return None
    base = urlsplit(request.app.state.settings.base_url)
    # Desk's own pages (the demo shop) are never another site, by whichever name reached.
    own = {f"{base.scheme}://{base.netloc}",
           f"{request.url.scheme}://{request.headers.get('host', '')}"}
    allowed = {line for line in widget.origins.splitlines() if line} | own
    if origin.rstrip("/").lower() not in allowed:
        raise Refused(403, _("This site may not open chats with this widget."))
    return origin


def _json(request: Request, body: dict[str, Any], origin: str | None, status: int = 200,
          locale: str = "en") -> JSONResponse:
    headers = {"Cache-Control": "no-store", "Vary": "Origin"}
    if origin:
        headers["Access-Control-Allow-Origin"] = origin
    if "error" in body:
        body = {**body, "error": gettext_for(locale, str(body["error"]))}
    return JSONResponse(body, status_code=status, headers=headers)


def _widget(request: Request) -> ChatWidget:
    with db_of(request).session() as session:
        widget = find_widget(session, request.path_params["key"])
    if widget is None or not widget.enabled:
        raise Refused(404, _("This chat is not available."))
    return widget


async def _body(request: Request) -> dict[str, Any]:
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


def _text_field(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise Refused(400, _("The request could not be read."), name)
    value = clean_text(value)
    if len(value) > limit:
        raise Refused(413 if name == "text" else 400, "The message is too long.", name)
    return value


def _conversation(request: Request, widget: ChatWidget, token: object) -> ChatConversation:
    if not isinstance(token, str) or not token or len(token) > 100:
        raise Refused(401, _("This chat has ended. Start a new one."))
    assert widget.id is not None
    with db_of(request).session() as session:
        found = conversation_by_token(session, widget.id, token_hash(token))
    if found is None:
        raise Refused(401, _("This chat has ended. Start a new one."))
    return found


def _intake(request: Request) -> GroupCommit[Said, Ingested]:
    """Visitors' messages that arrive together are written in one transaction, as the web
    form's are; each visitor gets an answer only once theirs is committed."""
    state = request.app.state
    intake: GroupCommit[Said, Ingested] | None = getattr(state, "chat_intake", None)
    if intake is None:
        settings = state.settings
        intake = state.chat_intake = GroupCommit(
            db_of(request), lambda session, batch: record_said(session, settings, batch))
    return intake


def _limiter(request: Request, name: str, limit: int, window: float) -> SlidingWindow:
    state = request.app.state
    limiters: dict[str, SlidingWindow] | None = getattr(state, "chat_limiters", None)
    if limiters is None:
        limiters = state.chat_limiters = {}
    if name not in limiters:
        limiters[name] = SlidingWindow(limit, window)
    return limiters[name]


def _line(line: ChatLine) -> dict[str, Any]:
    return {"id": line.id, "mine": line.mine, "author": line.author, "text": line.text,
            "at": line.at.isoformat()}


def _handled(handler: Any) -> Any:
    """Every endpoint answers a refusal as JSON with CORS, in the visitor's language."""
    async def endpoint(request: Request) -> Response:
        locale = _locale(request.query_params.get("lang"))
        origin: str | None = None
        try:
            widget = _widget(request)
            origin = _origin_allowed(request, widget)
            result: Response = await handler(request, widget, origin)
            return result
        except Refused as refused:
            body = {"error": refused.message, **({"field": refused.field} if refused.field else {})}
            return _json(request, body, origin, refused.status, locale)
    endpoint.__name__ = handler.__name__
    return endpoint


async def widget_script(request: Request) -> Response:
    return FileResponse(WIDGET_JS, media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=300",
                                 "Access-Control-Allow-Origin": "*"})


# The widget's words, sent in the page's language with its settings.
TEXTS = (_("Chat with us"), _("Send"), _("Your name"), _("Your email"), _("Start chat"),
         _("Type a message…"),
         _("We are away now. Leave a message and we will answer by email."),
         _("Articles that may help"), _("This answered my question"), _("Close"),
         _("is typing"), _("Connection lost. Reconnecting…"), _("Sent"), _("Read"))


@_handled
async def config(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    locale = _locale(request.query_params.get("lang"))
    with db_of(request).session() as session:
        online = agents_online(session, widget.team_id)
    greeting = (widget.greeting_zh if locale == "zh_CN" else widget.greeting_en) or \
        gettext_for(locale, _("Hello! How can we help?"))
    ask = widget.ask_email == AskEmail.before or (
        widget.ask_email == AskEmail.offline and not online)
    return _json(request, {
        "online": online, "colour": widget.colour, "greeting": greeting, "ask_email": ask,
        "locale": locale, "texts": {t: gettext_for(locale, t) for t in TEXTS},
    }, origin)


@_handled
async def start(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    """Resume the browser's conversation (its token) or the signed-in user's, or start one."""
    data = await _body(request)
    locale = _locale(data.get("locale"))
    name = _text_field(data, "name", MAX_NAME)
    email = _text_field(data, "email", 320).lower()
    if email and not valid_email(email):
        raise Refused(400, _("Enter a valid email address."), "email")
    identity = data.get("identity")
    verified = False
    if identity is not None:
        if not isinstance(identity, dict):
            raise Refused(400, _("The request could not be read."), "identity")
        claimed = str(identity.get("email", "")).strip().lower()
        secret = identity_secret(str(request.app.state.settings.secret_key), widget)
        if not valid_email(claimed) or not verified_identity(
                secret, claimed, str(identity.get("signature", ""))):
            raise Refused(403, _("The signed identity does not match."), "identity")
        email, verified = claimed, True
        name = name or str(identity.get("name", ""))[:MAX_NAME]
    token = data.get("token")
    if isinstance(token, str) and token:
        try:
            resumed = _conversation(request, widget, token)
        except Refused:
            resumed = None
        if resumed is not None and (not verified or resumed.email == email):
            return _json(request, await _opened(request, resumed, token), origin)
    if verified:
        assert widget.id is not None
        with db_of(request).session() as session:
            earlier = verified_conversation(session, widget.id, email)
            if earlier is not None:
                return _json(request, await _opened(
                    request, earlier, resume_elsewhere(session, earlier)), origin)
    client = request.client.host if request.client else "unknown"
    if not _limiter(request, "start", STARTS_PER_MINUTE, 60.0).allow(client):
        raise Refused(429, _("Too many requests. Please wait a minute."))
    with db_of(request).session() as session:
        online = agents_online(session, widget.team_id)
        needs_email = widget.ask_email == AskEmail.before or (
            widget.ask_email == AskEmail.offline and not online)
        if needs_email and not email:
            raise Refused(400, _("Enter your email address so we can answer you."), "email")
        page = str(data.get("page", ""))[:2000]
        conversation, token = start_conversation(session, widget, Visitor(
            name=name, email=email, verified=verified, locale=locale, page_url=page))
    return _json(request, await _opened(request, conversation, token), origin)


async def _opened(request: Request, conversation: ChatConversation, token: str) -> dict[str, Any]:
    lines: list[ChatLine] = []
    if conversation.ticket_id is not None:
        with db_of(request).session() as session:
            lines = visible_messages(session, conversation.ticket_id)
    return {"token": token, "name": conversation.name, "email": conversation.email,
            "messages": [_line(line) for line in lines]}


@_handled
async def post_message(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    data = await _body(request)
    conversation = _conversation(request, widget, data.get("token"))
    text = _text_field(data, "text", MAX_TEXT)
    client_id = str(data.get("id", ""))[:40]
    if not text:
        raise Refused(400, _("Write a message first."), "text")
    if not client_id.replace("-", "").isalnum():
        raise Refused(400, _("The request could not be read."), "id")
    key = str(conversation.id)
    client = request.client.host if request.client else "unknown"
    if not (_limiter(request, "burst", *BURST).allow(key)
            and _limiter(request, "minute", MESSAGES_PER_MINUTE, 60.0).allow(key)
            and _limiter(request, "address", MESSAGES_PER_MINUTE * 4, 60.0).allow(client)):
        raise Refused(429, _("You are sending messages too fast. Please wait a moment."))
    result = await _intake(request).submit(visitor_said(widget, conversation, text, client_id))
    return _json(request, {"id": result.message_id,
                           "ticket": result.ticket_id or conversation.ticket_id,
                           "outcome": result.outcome}, origin)


def _visitor_presence(conversation: ChatConversation, ticket_id: int, state: str
                      ) -> dict[str, Any]:
    return {"topic": ticket_topic(ticket_id), "kind": "presence", "ticket": ticket_id,
            "by": -(conversation.id or 0), "name": conversation.name or conversation.email,
            "state": state, "visitor": True}


async def _announce(request: Request, notices: list[dict[str, Any]]) -> None:
    await asyncio.to_thread(send, db_of(request), request.app.state.live, notices)


@_handled
async def typing(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    data = await _body(request)
    conversation = _conversation(request, widget, data.get("token"))
    state = "typing" if data.get("state") == "typing" else "viewing"
    if conversation.ticket_id is not None:
        await _announce(request, [_visitor_presence(conversation, conversation.ticket_id, state)])
    return _json(request, {"ok": True}, origin)


@_handled
async def read(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    data = await _body(request)
    conversation = _conversation(request, widget, data.get("token"))
    raw = data.get("id")
    read_id = raw if isinstance(raw, int) and 0 < raw < 2**62 else None
    with db_of(request).session() as session:
        visitor_seen(session, conversation.id or 0, read_id)
    return _json(request, {"ok": True}, origin)


@_handled
async def leave(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    data = await _body(request)
    conversation = _conversation(request, widget, data.get("token"))
    with db_of(request).session() as session:
        visitor_left(session, conversation.id or 0)
    if conversation.ticket_id is not None:
        await _announce(request, [_visitor_presence(conversation, conversation.ticket_id, "left")])
    return _json(request, {"ok": True}, origin)


def _visit(value: object) -> str | None:
    return value if isinstance(value, str) and _VISIT.match(value) else None


@_handled
async def suggest(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    """Articles for what the visitor is typing, before a person answers; counted as shown
    in the knowledge base's report (the visit: one open widget)."""
    locale = _locale(request.query_params.get("lang"))
    found = await asyncio.to_thread(
        public_suggestions, db_of(request), request.app.state.settings,
        request.query_params.get("q", "")[:500], "zh" if locale == "zh_CN" else "en", 3)
    visit = _visit(request.query_params.get("visit"))
    if found and visit:
        await asyncio.to_thread(record_public, db_of(request), DeflectionKind.suggested,
                                [s.id for s in found], visit)
    base = request.app.state.settings.base_url
    return _json(request, {"articles": [
        {"id": s.id, "title": s.title, "url": base + s.url, "snippet": s.snippet}
        for s in found]}, origin)


@_handled
async def deflected(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    """The visitor said a suggested article answered their question: counted in the
    knowledge base's report as a request that needed no ticket."""
    data = await _body(request)
    visit = _visit(data.get("visit"))
    raw = data.get("articles")
    if visit is None or not isinstance(raw, list) or len(raw) > 10 or not all(
            isinstance(i, int) and 0 < i < 2**31 for i in raw):
        raise Refused(400, _("The request could not be read."))
    client = request.client.host if request.client else "unknown"
    if not _limiter(request, "deflected", STARTS_PER_MINUTE, 60.0).allow(client):
        raise Refused(429, _("Too many requests. Please wait a minute."))
    await asyncio.to_thread(record_public, db_of(request), DeflectionKind.abandoned, raw, visit)
    return _json(request, {"ok": True}, origin)


@_handled
async def stream(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    """The desk's replies and the agents' typing, as server-sent events; the visitor's page
    is "on the page" while this is open."""
    conversation = _conversation(request, widget, request.query_params.get("token"))
    if conversation.ticket_id is None:
        raise Refused(409, _("Write a message first."))
    ticket_id = conversation.ticket_id
    after = request.query_params.get("after", "0")
    cursor = int(after) if after.isdigit() and len(after) < 15 else 0
    hub = request.app.state.live
    listener = hub.listen(frozenset({ticket_topic(ticket_id)}))
    db = db_of(request)

    still_here = _still_here(request)

    def news(since: int) -> list[ChatLine]:
        with db.session() as session:
            return visible_messages(session, ticket_id, since)

    def arrived() -> None:
        with db.session() as session:
            visitor_seen(session, conversation.id or 0, None)

    def beat() -> None:
        still_here.ids.add(conversation.id or 0)
        due = still_here.take_due()
        if due:
            with db.session() as session:
                visitors_still_here(session, due)

    async def events() -> AsyncIterator[str]:
        nonlocal cursor
        ends = time.monotonic() + STREAM_SECONDS
        try:
            yield "retry: 2000\n\n"
            await _announce(request, [_visitor_presence(conversation, ticket_id, "viewing")])
            await asyncio.to_thread(arrived)  # on the page from now: its replies can wait
            beaten = time.monotonic()
            for line in await asyncio.to_thread(news, cursor):
                cursor = max(cursor, line.id)
                yield f"event: message\ndata: {json.dumps(_line(line), ensure_ascii=False)}\n\n"
            while time.monotonic() < ends:
                try:
                    notice = await asyncio.wait_for(listener.queue.get(), BEAT_SECONDS)
                except TimeoutError:
                    notice = None
                if listener.overflowed:
                    return  # the widget reconnects and reads from its cursor
                if notice is None or time.monotonic() - beaten >= BEAT_SECONDS:
                    await _announce(request, [_visitor_presence(conversation, ticket_id,
                                                                "viewing")])
                    await asyncio.to_thread(beat)
                    beaten = time.monotonic()
                    if notice is None:
                        yield ": beat\n\n"
                        continue
                if notice["kind"] == "message" and not notice.get("internal"):
                    for line in await asyncio.to_thread(news, cursor):
                        cursor = max(cursor, line.id)
                        yield (f"event: message\n"
                               f"data: {json.dumps(_line(line), ensure_ascii=False)}\n\n")
                elif (notice["kind"] == "presence" and not notice.get("visitor")
                      and notice.get("by") is not None):
                    typing_now = {"name": notice.get("name", ""),
                                  "typing": notice.get("state") == "typing"}
                    yield f"event: typing\ndata: {json.dumps(typing_now, ensure_ascii=False)}\n\n"
        finally:
            hub.leave(listener)
            with anyio.CancelScope(shield=True):
                await _announce(request, [_visitor_presence(conversation, ticket_id, "left")])

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", "Vary": "Origin"}
    if origin:
        headers["Access-Control-Allow-Origin"] = origin
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


routes = [
    Route("/chat/widget.js", widget_script, methods=["GET"]),
    Route("/chat/w/{key}/config", config, methods=["GET"]),
    Route("/chat/w/{key}/start", start, methods=["POST"]),
    Route("/chat/w/{key}/messages", post_message, methods=["POST"]),
    Route("/chat/w/{key}/typing", typing, methods=["POST"]),
    Route("/chat/w/{key}/read", read, methods=["POST"]),
    Route("/chat/w/{key}/leave", leave, methods=["POST"]),
    Route("/chat/w/{key}/suggest", suggest, methods=["GET"]),
    Route("/chat/w/{key}/deflected", deflected, methods=["POST"]),
    Route("/chat/w/{key}/stream", stream, methods=["GET"]),
]
