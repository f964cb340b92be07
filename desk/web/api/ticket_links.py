"""Merging, splitting and linking tickets over the API: the same actions as the ticket page.
A request the action refuses for the tickets' state (two customers, merged already, the
only message) is 409 with the reason; input that names nothing usable is 422."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.tickets.linking import link_tickets, unlink_tickets
from desk.actions.tickets.merging import MergeError, merge_tickets, split_message
from desk.models import Ticket, User
from desk.queries.errors import Forbidden, NotFound
from desk.queries.tickets.links import linked_tickets, message_on
from desk.queries.tickets.queue import access_ticket
from desk.queries.tickets.related import load_related
from desk.web.api.inputs import LIMITS, MAX_ID, invalid, json_object
from desk.web.api.schemas import ticket_detail_json, ticket_json
from desk.web.api.tickets import _body, _readable_ticket, _ticket, ticket_url
from desk.web.api.tokens import authenticated


def _id(body: dict[str, Any], name: str, allowed: tuple[str, ...]) -> int:
    """``body[name]`` as an id; 422 for a missing or unusable one, or an unknown key."""
    errors = {key: "unknown_field" for key in body if key not in allowed}
    value = body.get(name)
    if name not in body:
        errors[name] = "required"
    elif isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        errors[name] = "out_of_range"
    if errors:
        raise invalid(errors)
    assert isinstance(value, int)
    return value


def _other(session: Any, user: User, number: int, field: str) -> Ticket:
    try:
        return access_ticket(session, user, number)
    except (NotFound, Forbidden):
        raise invalid({field: "not_found"}) from None


def _refused(error: MergeError) -> Response:
    return JSONResponse({"error": str(error)}, status_code=409)


def _actor(user: User) -> Actor:
    return Actor.of_user(user, via_api=True)


class TicketMerge(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        return await run_in_threadpool(self.merge, request, await _body(request))

    def merge(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            source = _ticket(session, user, request)
            target = _other(session, user, _id(json_object(raw), "into", ("into",)), "into")
            try:
                merge_tickets(session, _actor(user), source, target)
            except MergeError as error:
                return _refused(error)
            return JSONResponse(ticket_detail_json(session, target))


class TicketSplit(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        return await run_in_threadpool(self.split, request, await _body(request))

    def split(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            ticket = _ticket(session, user, request)
            body = json_object(raw)
            subject = body.get("subject", "")
            if not isinstance(subject, str) or len(subject) > LIMITS["subject"]:
                raise invalid({"subject": "too_long" if isinstance(subject, str) else "not_a_string"})
            message_id = _id(body, "message_id", ("message_id", "subject"))
            assert ticket.id is not None
            message = message_on(session, ticket.id, message_id)
            if message is None:
                raise invalid({"message_id": "not_found"})
            try:
                new = split_message(session, _actor(user), ticket, message, subject)
            except MergeError as error:
                return _refused(error)
            return JSONResponse(ticket_detail_json(session, new), status_code=201,
                                headers={"Location": ticket_url(request, new)})


def _links(session: Any, ticket: Ticket) -> Response:
    assert ticket.id is not None
    linked = linked_tickets(session, ticket.id)
    related = load_related(session, linked)
    return JSONResponse({"links": [ticket_json(t, related) for t in linked]})


class TicketLinks(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            return _links(session, _readable_ticket(session, user, request))

    async def post(self, request: Request) -> Response:
        return await run_in_threadpool(self.link, request, await _body(request))

    def link(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            ticket = _ticket(session, user, request)
            other = _other(session, user, _id(json_object(raw), "number", ("number",)), "number")
            try:
                link_tickets(session, _actor(user), ticket, other)
            except MergeError as error:
                return _refused(error)
            return _links(session, ticket)


class TicketLink(HTTPEndpoint):
    def delete(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            ticket = _ticket(session, user, request)
            other: int = request.path_params["other"]
            if other > MAX_ID or not unlink_tickets(session, _actor(user), ticket, other):
                raise NotFound(other)
            return Response(status_code=204)


routes = [
    Route("/tickets/{number:int}/merge", TicketMerge, name="api:ticket_merge"),
    Route("/tickets/{number:int}/split", TicketSplit, name="api:ticket_split"),
    Route("/tickets/{number:int}/links", TicketLinks, name="api:ticket_links"),
    Route("/tickets/{number:int}/links/{other:int}", TicketLink, name="api:ticket_link"),
]
