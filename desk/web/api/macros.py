"""Macros over the API: the ones a caller may use, written and changed as on /agent/macros
(the same checks: an unknown placeholder or an article that does not exist is refused with
422 and the reason per field), and one applied to a ticket: its text filled in for that
ticket's customer sent as a public reply, its status, assignee and tags set, in one commit."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.macros import MacroError, MacroInput, delete_macro, save_macro
from desk.actions.tickets.handling import reply_to_ticket
from desk.actions.tickets.status_rules import MoveRefused
from desk.models import Macro, Ticket, User
from desk.queries.errors import NotFound
from desk.queries.macros import (
    access_macro,
    editable_macro,
    fill_context,
    filled_text,
    macro_actions,
    may_edit,
    usable_macros,
)
from desk.queries.tickets.messages import ConversationItem
from desk.queries.tickets.outbox import deliveries
from desk.queries.tickets.queue import access_ticket
from desk.settings import Settings
from desk.web.api.inputs import MAX_ID, invalid, json_object, read_body
from desk.web.api.schemas import message_json
from desk.web.api.tokens import authenticated, bearer_token
from desk.web.errors import ApiError

FIELDS = tuple(f.name for f in fields(MacroInput))


def macro_json(macro: Macro, user: User) -> dict[str, Any]:
    return {"id": macro.id, **asdict(MacroInput.of(macro)), "editable": may_edit(user, macro),
            "updated_at": macro.updated_at.isoformat()}


def _macro_id(request: Request) -> int:
    macro_id: int = request.path_params["macro_id"]
    if not 0 < macro_id <= MAX_ID:
        raise NotFound(macro_id)
    return macro_id


def _input(doc: dict[str, Any], base: MacroInput) -> MacroInput:
    """``base`` with what the body changes; each value a string as the form sends it."""
    unknown = {k: "unknown_field" for k in doc if k not in FIELDS}
    if unknown:
        raise invalid(unknown, "unknown fields")
    wrong = {k: "not_a_string" for k, v in doc.items() if not isinstance(v, str)}
    if wrong:
        raise invalid(wrong)
    return MacroInput(**{**asdict(base), **doc})


def _saved(result: Macro | dict[str, MacroError], user: User, status: int) -> Response:
    if isinstance(result, dict):
        raise ApiError(422, "the macro could not be saved",
                       {name: str(error) for name, error in result.items()})
    return JSONResponse(macro_json(result, user), status_code=status)


async def _body(request: Request) -> bytes:
    bearer_token(request)
    return await read_body(request)


class MacroCollection(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            return JSONResponse({"macros": [macro_json(m, user) for m in usable_macros(session, user)]})

    async def post(self, request: Request) -> Response:
        return await run_in_threadpool(self.create, request, await _body(request))

    def create(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            data = _input(json_object(raw), MacroInput())
            return _saved(save_macro(session, Actor.of_user(user, via_api=True), user, None, data),
                          user, 201)


class MacroResource(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            return JSONResponse(macro_json(access_macro(session, user, _macro_id(request)), user))

    async def patch(self, request: Request) -> Response:
        return await run_in_threadpool(self.change, request, await _body(request))

    def change(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            macro = editable_macro(session, user, _macro_id(request))
            data = _input(json_object(raw), MacroInput.of(macro))
            return _saved(save_macro(session, Actor.of_user(user, via_api=True), user, macro, data),
                          user, 200)

    def delete(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            delete_macro(session, Actor.of_user(user, via_api=True),
                         editable_macro(session, user, _macro_id(request)))
            return Response(status_code=204)


def _ticket(session: Session, user: User, request: Request) -> Ticket:
    number: int = request.path_params["number"]
    if not 0 < number <= MAX_ID:
        raise NotFound(number)
    return access_ticket(session, user, number)


class MacroOnTicket(HTTPEndpoint):
    """GET: the macro as it would go to this ticket (the text filled in, the actions);
    POST: applied, the reply sent; 201 with the message."""

    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            ticket = _ticket(session, user, request)
            macro = access_macro(session, user, _macro_id(request))
            settings: Settings = request.app.state.settings
            text = filled_text(session, macro, fill_context(session, ticket, user, settings.base_url))
            actions = macro_actions(macro, user)
            return JSONResponse({"macro_id": macro.id, "ticket": ticket.id, "text": text,
                                 "changes": actions.fields, "add_tags": list(actions.add_tags)})

    async def post(self, request: Request) -> Response:
        return await run_in_threadpool(self.apply, request, await _body(request))

    def apply(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            if raw.strip() and json_object(raw):  # nothing to send; what is sent must be {}
                raise invalid({k: "unknown_field" for k in json_object(raw)}, "unknown fields")
            ticket = _ticket(session, user, request)
            macro = access_macro(session, user, _macro_id(request))
            settings: Settings = request.app.state.settings
            text = filled_text(session, macro, fill_context(session, ticket, user, settings.base_url))
            actions = macro_actions(macro, user)
            if not text.strip():
                raise ApiError(422, "the macro has no text in either language: set its actions "
                                    "with PATCH /tickets/{number} instead")
            try:
                message = reply_to_ticket(session, settings, Actor.of_user(user, via_api=True),
                                          user, ticket, text, internal=False,
                                          status=str(actions.fields.get("status", "")),
                                          macro=actions)
            except MoveRefused as refused:
                raise invalid({"status": "not_allowed"}, refused.message) from None
            delivery = deliveries(session, message.ticket_id).get(message.id or 0)
            return JSONResponse(message_json(ConversationItem(message, user.name, []), delivery),
                                status_code=201)


routes = [
    Route("/macros", MacroCollection, name="api:macros"),
    Route("/macros/{macro_id:int}", MacroResource, name="api:macro"),
    Route("/tickets/{number:int}/macros/{macro_id:int}", MacroOnTicket, name="api:ticket_macro"),
]
