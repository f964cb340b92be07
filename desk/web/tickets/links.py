"""The ticket page's merge, split and link forms."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.tickets.linking import link_tickets, unlink_tickets
from desk.actions.tickets.merging import MergeError, merge_tickets, split_message
from desk.i18n import _
from desk.models import Ticket, User
from desk.queries.errors import Forbidden, NotFound
from desk.queries.tickets.links import message_on
from desk.queries.tickets.queue import access_ticket
from desk.web.auth import check_csrf, db_of, staff
from desk.web.tickets.pages import _ticket_page

MAX_ID = 2**31 - 1


def _number(raw: Any) -> int | None:
    text = raw.strip().lstrip("#").strip() if isinstance(raw, str) else ""
    if text.isascii() and text.isdigit() and 0 < len(text) < 11 and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


def _back(number: int) -> Response:
    return RedirectResponse(f"/agent/tickets/{number}", status_code=303)


def _refused(request: Request, error: MergeError) -> Response:
    number = request.path_params["number"]
    return _ticket_page(request, number, 400, extra={"link_errors": {error.field: error}})


NO_SUCH_TICKET = _("There is no ticket with that number.")


async def merge(request: Request) -> Response:
    user = staff(request)
    number = request.path_params["number"]
    form = await request.form()
    check_csrf(request, form)
    target_number = _number(form.get("target"))
    with db_of(request).session() as session:
        source = access_ticket(session, user, number)
        if form.get("confirm") != "1":  # the box is required; a form without it is refused
            return _refused(request, MergeError("target", _("Tick the box to confirm the merge.")))
        try:
            target = _other_ticket(session, user, target_number, "target")
            merge_tickets(session, Actor.of_user(user), source, target)
        except MergeError as error:
            return _refused(request, error)
    assert target.id is not None
    return _back(target.id)


def _other_ticket(session: Session, user: User, number: int | None, field: str) -> Ticket:
    """The other ticket a form names, if this agent may see it; else MergeError on `field`."""
    try:
        if number is None:
            raise NotFound(0)
        return access_ticket(session, user, number)
    except (NotFound, Forbidden):
        raise MergeError(field, NO_SUCH_TICKET) from None


async def split(request: Request) -> Response:
    user = staff(request)
    number = request.path_params["number"]
    form = await request.form()
    check_csrf(request, form)
    message_id = _number(form.get("message_id"))
    subject = form.get("subject")
    with db_of(request).session() as session:
        ticket = access_ticket(session, user, number)
        message = message_on(session, number, message_id) if message_id is not None else None
        if message is None:
            return _refused(request, MergeError("message", _("That message is not on this ticket.")))
        try:
            new = split_message(session, Actor.of_user(user), ticket, message,
                                subject if isinstance(subject, str) else "")
        except MergeError as error:
            return _refused(request, error)
        assert new.id is not None
    return _back(new.id)


async def link(request: Request) -> Response:
    user = staff(request)
    number = request.path_params["number"]
    form = await request.form()
    check_csrf(request, form)
    other_number = _number(form.get("number"))
    with db_of(request).session() as session:
        ticket = access_ticket(session, user, number)
        try:
            other = _other_ticket(session, user, other_number, "number")
        except MergeError as error:
            return _refused(request, error)
        try:
            link_tickets(session, Actor.of_user(user), ticket, other)
        except MergeError as error:
            return _refused(request, MergeError("number", error.message, **error.params))
    return _back(number)


async def unlink(request: Request) -> Response:
    user = staff(request)
    number = request.path_params["number"]
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        ticket = access_ticket(session, user, number)
        unlink_tickets(session, Actor.of_user(user), ticket, request.path_params["other"])
    return _back(number)


routes = [
    Route("/agent/tickets/{number:id}/merge", merge, methods=["POST"]),
    Route("/agent/tickets/{number:id}/split", split, methods=["POST"]),
    Route("/agent/tickets/{number:id}/links", link, methods=["POST"]),
    Route("/agent/tickets/{number:id}/links/{other:id}/delete", unlink, methods=["POST"]),
]
