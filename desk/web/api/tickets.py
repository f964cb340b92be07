"""Tickets over the API: the queue, the API channel, one ticket, changes and replies.

Reads run in the thread pool (HTTPEndpoint does that for plain methods); writes
read their body on the event loop, then do the database work in the pool too.
"""

from __future__ import annotations

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.ingest.one import open_api_ticket
from desk.actions.tickets.collisions import Seen, StaleTicket
from desk.actions.tickets.handling import reply_to_ticket, save_ticket_changes
from desk.actions.tickets.status_rules import MoveRefused
from desk.models import Ticket, User
from desk.queries.errors import NotFound
from desk.queries.tickets.messages import ConversationItem
from desk.queries.tickets.outbox import deliveries
from desk.queries.tickets.queue import access_ticket, list_tickets, read_ticket
from desk.settings import Settings
from desk.web.api.inputs import (
    MAX_ID,
    invalid,
    json_object,
    new_reply,
    new_ticket,
    read_body,
    ticket_changes,
    ticket_filter,
)
from desk.web.api.schemas import message_json, page_json, ticket_detail_json
from desk.web.api.tokens import authenticated, bearer_token


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _ticket(session: Session, user: User, request: Request) -> Ticket:
    number: int = request.path_params["number"]
    if number > MAX_ID:  # the database would refuse to compare it
        raise NotFound(number)
    return access_ticket(session, user, number)


def _readable_ticket(session: Session, user: User, request: Request) -> Ticket:
    """A ticket the token's owner may read, as the ticket page lets them: their own teams'
    and, read only, a team's whose "others may read" is on (every write stays strict)."""
    number: int = request.path_params["number"]
    if number > MAX_ID:
        raise NotFound(number)
    return read_ticket(session, user, number)[0]


async def _body(request: Request) -> bytes:
    """The body of a write, read only once the caller has shown a token at all."""
    bearer_token(request)
    return await read_body(request)


def _etag(ticket: Ticket) -> dict[str, str]:
    return {"ETag": f'"{ticket.version}"'}


def _expected_version(request: Request, body: dict[str, object]) -> Seen | None:
    """The version a change was made against: the body's ``version`` (taken out of the
    changes), else the If-Match header's entity tag; None when neither asks for a check.
    An If-Match that is no version of ours can match nothing: -1."""
    if "version" in body:
        version = body.pop("version")
        if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= MAX_ID:
            raise invalid({"version": "out_of_range"})
        return Seen(version)
    header = request.headers.get("if-match", "").strip()
    if not header or header == "*":
        return None
    tag = header.split(",", 1)[0].strip().removeprefix("W/").strip('"')
    return Seen(int(tag) if tag.isascii() and tag.isdigit() and len(tag) < 11 else -1)


def ticket_url(request: Request, ticket: Ticket) -> str:
    return str(request.url_for("api:ticket", number=ticket.id))


class TicketCollection(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            page = list_tickets(session, user, ticket_filter(request.query_params))
            return JSONResponse(page_json(session, page))

    async def post(self, request: Request) -> Response:
        return await run_in_threadpool(self.create, request, await _body(request))

    def create(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            new = new_ticket(session, json_object(raw))
            ticket = open_api_ticket(session, _settings(request), Actor.of_user(user, via_api=True),
                                     new.inbound, new.changes, new.tags)
            return JSONResponse(ticket_detail_json(session, ticket), status_code=201,
                                headers={"Location": ticket_url(request, ticket)})


class TicketResource(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            ticket = _readable_ticket(session, user, request)
            return JSONResponse(ticket_detail_json(session, ticket), headers=_etag(ticket))

    async def patch(self, request: Request) -> Response:
        return await run_in_threadpool(self.change, request, await _body(request))

    def change(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            ticket = _ticket(session, user, request)
            body = json_object(raw)
            seen = _expected_version(request, body)
            fields, tags = ticket_changes(session, body)
            try:
                save_ticket_changes(session, Actor.of_user(user, via_api=True), ticket, fields,
                                    tags, seen=seen, by=user)
            except MoveRefused as refused:  # the board's and the page's rule and reason
                raise invalid({"status": "not_allowed"}, refused.message) from None
            except StaleTicket:
                return JSONResponse({
                    "error": "the ticket changed since the version given: read it again, "
                             "then send the change with its current version",
                    "version": ticket.version}, status_code=409, headers=_etag(ticket))
            return JSONResponse(ticket_detail_json(session, ticket), headers=_etag(ticket))


class TicketReplies(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        return await run_in_threadpool(self.reply, request, await _body(request))

    def reply(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            ticket = _ticket(session, user, request)
            reply = new_reply(json_object(raw))
            message = reply_to_ticket(
                session, _settings(request), Actor.of_user(user, via_api=True), user, ticket,
                reply.text, internal=reply.internal,
            )
            delivery = deliveries(session, message.ticket_id).get(message.id or 0)
            return JSONResponse(message_json(ConversationItem(message, user.name, []), delivery),
                                status_code=201)


routes = [
    Route("/tickets", TicketCollection, name="api:tickets"),
    Route("/tickets/{number:int}", TicketResource, name="api:ticket"),
    Route("/tickets/{number:int}/replies", TicketReplies, name="api:ticket_replies"),
]
