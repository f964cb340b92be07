"""The visitor's side of live chat, called by the widget script on the customer's site.

JSON in (sent as text/plain, so browsers send it cross-site without a preflight), JSON out,
with CORS for the widget's allowed sites only; no cookies: the visitor's browser keeps a
conversation token. A page on a site the widget does not list is refused (403), and so is
an identity whose signature does not match. Messages go through the one intake before
anyone sees them. Routes live under /chat/w/{key}/ (key: the widget's public id); what the
open widget hears (server-sent events or a WebSocket) is in `feed.py`."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from channels.chat import MAX_NAME, MAX_TEXT, valid_email, verified_identity
from desk import ROOT
from desk.actions.chat.conversations import (
    Visitor,
    resume_elsewhere,
    start_conversation,
    visitor_said,
)
from desk.actions.chat.departures import visitor_left
from desk.actions.chat.widgets import identity_secret
from desk.db import Database
from desk.i18n import _, gettext_for
from desk.models import ChatConversation, ChatWidget, DeflectionKind
from desk.models.chat import AskEmail
from desk.queries.chat import ChatLine, agents_online, verified_conversation, visible_messages
from desk.queries.tickets.requests import bytes_sent_today
from desk.web.auth import db_of
from desk.web.chat.guard import (
    BURST,
    MESSAGES_PER_MINUTE,
    STARTS_PER_MINUTE,
    SUGGESTIONS_PER_MINUTE,
    VISIT,
    Refused,
    announce,
    answer,
    body_of,
    conversation_of,
    intake_of,
    limiter,
    line_json,
    locale_of,
    mark_read,
    origin_of,
    read_allowed,
    refusal,
    text_field,
    typing_allowed,
    visitor_presence,
    widget_of,
)
from desk.web.kb.deflection import public_suggestions, record_public
from desk.web.labels import FIELD_ERROR
from desk.web.tickets.public import daily_link_bytes
from desk.web.uploads import read_uploads

WIDGET_JS = ROOT / "static" / "js" / "chat-widget.js"


def _left(db: Database, conversation_id: int) -> None:
    with db.session() as session:
        visitor_left(session, db.settings, conversation_id)


def _handled(handler: Any) -> Any:
    """Every endpoint answers a refusal as JSON with CORS, in the visitor's language."""
    async def endpoint(request: Request) -> Response:
        origin: str | None = None
        try:
            widget = widget_of(request)
            origin = origin_of(request, widget)
            result: Response = await handler(request, widget, origin)
            return result
        except Refused as refused:
            return refusal(request, refused, origin)
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
         _("is typing"), _("Connection lost. Reconnecting…"), _("Sent"), _("Read"),
         _("Send a file"))


@_handled
async def config(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    locale = locale_of(request.query_params.get("lang"))
    with db_of(request).session() as session:
        online = agents_online(session, widget.team_id)
    greeting = (widget.greeting_zh if locale == "zh_CN" else widget.greeting_en) or \
        gettext_for(locale, _("Hello! How can we help?"))
    ask = widget.ask_email == AskEmail.before or (
        widget.ask_email == AskEmail.offline and not online)
    return answer(request, {
        "online": online, "colour": widget.colour, "greeting": greeting, "ask_email": ask,
        "locale": locale, "texts": {t: gettext_for(locale, t) for t in TEXTS},
    }, origin)


@_handled
async def start(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    """Resume the browser's conversation (its token) or the signed-in user's, or start one."""
    data = await body_of(request)
    locale = locale_of(data.get("locale"))
    name = text_field(data, "name", MAX_NAME)
    email = text_field(data, "email", 320).lower()
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
            resumed = conversation_of(request, widget, token)
        except Refused:
            resumed = None
        if resumed is not None and (not verified or resumed.email == email):
            return answer(request, await _opened(request, resumed, token), origin)
    if verified:
        assert widget.id is not None
        with db_of(request).session() as session:
            earlier = verified_conversation(session, widget.id, email)
            if earlier is not None:
                return answer(request, await _opened(
                    request, earlier, resume_elsewhere(session, earlier)), origin)
    client = request.client.host if request.client else "unknown"
    if not limiter(request, "start", STARTS_PER_MINUTE, 60.0).allow(client):
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
    return answer(request, await _opened(request, conversation, token), origin)


async def _opened(request: Request, conversation: ChatConversation, token: str) -> dict[str, Any]:
    lines: list[ChatLine] = []
    if conversation.ticket_id is not None:
        with db_of(request).session() as session:
            lines = visible_messages(session, conversation.ticket_id)
    return {"token": token, "name": conversation.name, "email": conversation.email,
            "messages": [line_json(line) for line in lines]}


@_handled
async def post_message(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    data = await body_of(request)
    conversation = conversation_of(request, widget, data.get("token"))
    text = text_field(data, "text", MAX_TEXT)
    client_id = str(data.get("id", ""))[:40]
    if not text:
        raise Refused(400, _("Write a message first."), "text")
    if not client_id.replace("-", "").isalnum():
        raise Refused(400, _("The request could not be read."), "id")
    key = str(conversation.id)
    client = request.client.host if request.client else "unknown"
    if not (limiter(request, "burst", *BURST).allow(key)
            and limiter(request, "minute", MESSAGES_PER_MINUTE, 60.0).allow(key)
            and limiter(request, "address", MESSAGES_PER_MINUTE * 4, 60.0).allow(client)):
        raise Refused(429, _("You are sending messages too fast. Please wait a moment."))
    result = await intake_of(request).submit(visitor_said(widget, conversation, text, client_id))
    return answer(request, {"id": result.message_id,
                           "ticket": result.ticket_id or conversation.ticket_id,
                           "outcome": result.outcome}, origin)


FILES_PER_TEN_MINUTES = 10  # per conversation


@_handled
async def post_file(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    """One file from the visitor (multipart: token, id, file), by the web form's limits;
    it reaches the ticket as an attachment of a message naming it."""
    settings = request.app.state.settings
    # Like the private request page: so many uploads a minute from one address, read or not.
    client = request.client.host if request.client else "unknown"
    if not limiter(request, "files-address", settings.form_rate_limit, 60.0).allow(client):
        raise Refused(429, _("Too many requests. Please wait a minute."))
    # As a context: the upload's temporary file is closed however this ends (a refusal too).
    async with request.form(max_files=1, max_fields=4) as form:
        conversation = conversation_of(request, widget, form.get("token"))
        client_id = str(form.get("id", ""))[:40]
        if not client_id.replace("-", "").isalnum():
            raise Refused(400, _("The request could not be read."), "id")
        if not limiter(request, "files", FILES_PER_TEN_MINUTES, 600.0).allow(str(conversation.id)):
            raise Refused(429, _("You are sending messages too fast. Please wait a moment."))
        uploads = await read_uploads(form, "file", settings.max_attachment_bytes)
    if uploads.oversize:
        raise Refused(413, _("The file is too large."), "file")
    if not uploads.files:
        raise Refused(400, _("Choose a file first."), "file")
    upload = uploads.files[0]
    sent = await asyncio.to_thread(_bytes_today, db_of(request), conversation)
    if sent + len(upload.data) > daily_link_bytes(settings):  # as much as a request's link
        raise Refused(413, FIELD_ERROR["daily_files_full"], "file")
    said = visitor_said(widget, conversation, f"[{upload.filename}]", client_id, uploads.files)
    result = await intake_of(request).submit(said)
    return answer(request, {"id": result.message_id,
                            "ticket": result.ticket_id or conversation.ticket_id,
                            "outcome": result.outcome, "text": f"[{upload.filename}]"}, origin)


def _bytes_today(db: Database, conversation: ChatConversation) -> int:
    if conversation.ticket_id is None or conversation.customer_id is None:
        return 0
    with db.session() as session:
        return bytes_sent_today(session, conversation.ticket_id, conversation.customer_id)


@_handled
async def typing(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    data = await body_of(request)
    conversation = conversation_of(request, widget, data.get("token"))
    if not typing_allowed(request, conversation):
        raise Refused(429, _("Too many requests. Please wait a minute."))
    state = "typing" if data.get("state") == "typing" else "viewing"
    if conversation.ticket_id is not None:
        await announce(request, [visitor_presence(conversation, conversation.ticket_id, state)])
    return answer(request, {"ok": True}, origin)


@_handled
async def read(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    data = await body_of(request)
    conversation = conversation_of(request, widget, data.get("token"))
    if not read_allowed(request, conversation):
        raise Refused(429, _("Too many requests. Please wait a minute."))
    raw = data.get("id")
    await mark_read(request, conversation, raw if isinstance(raw, int) and 0 < raw < 2**62
                    else None)
    return answer(request, {"ok": True}, origin)


@_handled
async def leave(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    data = await body_of(request)
    conversation = conversation_of(request, widget, data.get("token"))
    await asyncio.to_thread(_left, db_of(request), conversation.id or 0)
    if conversation.ticket_id is not None:
        await announce(request, [visitor_presence(conversation, conversation.ticket_id, "left")])
    return answer(request, {"ok": True}, origin)


def _visit(value: object) -> str | None:
    return value if isinstance(value, str) and VISIT.match(value) else None


@_handled
async def suggest(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    """Articles for what the visitor is typing, before a person answers; counted as shown
    in the knowledge base's report (the visit: one open widget)."""
    locale = locale_of(request.query_params.get("lang"))
    client = request.client.host if request.client else "unknown"
    if not limiter(request, "suggest", SUGGESTIONS_PER_MINUTE, 60.0).allow(client):
        raise Refused(429, _("Too many requests. Please wait a minute."))
    found = await asyncio.to_thread(
        public_suggestions, db_of(request), request.app.state.settings,
        request.query_params.get("q", "")[:500], "zh" if locale == "zh_CN" else "en", 3)
    # Only what the ranking is sure of (knowledge_base.searching.CONFIDENT, measured on the
    # customers' relevance set: 89 % of those shown right): a wrong article before a person
    # answers costs more than none.
    found = [s for s in found if s.confident]
    visit = _visit(request.query_params.get("visit"))
    if found and visit:
        await asyncio.to_thread(record_public, db_of(request), DeflectionKind.suggested,
                                [s.id for s in found], visit)
    base = request.app.state.settings.base_url
    # Opening one counts as "opened" in the report, as a suggestion beside the form does.
    opened = f"?{urlencode({'from': 'suggest', 'visit': visit})}" if visit else ""
    return answer(request, {"articles": [
        {"id": s.id, "title": s.title, "url": base + s.url + opened, "snippet": s.snippet}
        for s in found]}, origin)


@_handled
async def deflected(request: Request, widget: ChatWidget, origin: str | None) -> Response:
    """The visitor said a suggested article answered their question: counted in the
    knowledge base's report as a request that needed no ticket."""
    data = await body_of(request)
    visit = _visit(data.get("visit"))
    raw = data.get("articles")
    if visit is None or not isinstance(raw, list) or len(raw) > 10 or not all(
            isinstance(i, int) and 0 < i < 2**31 for i in raw):
        raise Refused(400, _("The request could not be read."))
    client = request.client.host if request.client else "unknown"
    if not limiter(request, "deflected", STARTS_PER_MINUTE, 60.0).allow(client):
        raise Refused(429, _("Too many requests. Please wait a minute."))
    await asyncio.to_thread(record_public, db_of(request), DeflectionKind.abandoned, raw, visit)
    return answer(request, {"ok": True}, origin)


routes = [
    Route("/chat/widget.js", widget_script, methods=["GET"]),
    Route("/chat/w/{key}/config", config, methods=["GET"]),
    Route("/chat/w/{key}/start", start, methods=["POST"]),
    Route("/chat/w/{key}/messages", post_message, methods=["POST"]),
    Route("/chat/w/{key}/files", post_file, methods=["POST"]),
    Route("/chat/w/{key}/typing", typing, methods=["POST"]),
    Route("/chat/w/{key}/read", read, methods=["POST"]),
    Route("/chat/w/{key}/leave", leave, methods=["POST"]),
    Route("/chat/w/{key}/suggest", suggest, methods=["GET"]),
    Route("/chat/w/{key}/deflected", deflected, methods=["POST"]),
]
