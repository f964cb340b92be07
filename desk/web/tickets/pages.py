"""The agent's ticket page: conversation, customer, properties, replies, history."""

from __future__ import annotations

from sqlmodel import col, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from channels.webform import message_errors
from desk.actions.audit import Actor
from desk.actions.tickets.changes import add_agent_reply, ticket_tags, update_ticket
from desk.actions.tickets.checks import check_ticket_changes
from desk.actions.tickets.outbox import resend
from desk.db import commit
from desk.i18n import _
from desk.models import (
    Attachment,
    Customer,
    Message,
    Organization,
    OutboundMessage,
    Priority,
    Status,
    Team,
    Ticket,
    User,
)
from desk.queries.tickets.messages import conversation
from desk.queries.tickets.outbox import automatic_mail, deliveries
from desk.queries.tickets.queue import access_ticket, customer_tickets, ticket_history
from desk.settings import Settings
from desk.web import labels
from desk.web.auth import check_csrf, db_of, staff
from desk.web.kb.deflection import ticket_suggestions
from desk.web.templating import render
from desk.web.tickets.public import attachment_response
from desk.web.uploads import read_uploads, upload_limits


def _ticket_page(request: Request, number: int, status_code: int = 200,
                 errors: dict[str, str] | None = None, reply_text: str = "") -> Response:
    user = staff(request)
    with db_of(request).session() as session:
        ticket = access_ticket(session, user, number)
        customer = session.get(Customer, ticket.customer_id)
        org = session.get(Organization, customer.organization_id) if customer and \
            customer.organization_id else None
        items = conversation(session, number, public_only=False)
        history = ticket_history(session, number)
        others = [t for t in customer_tickets(session, ticket.customer_id) if t.id != number]
        teams = list(session.exec(select(Team).order_by(col(Team.name))))
        agents = list(session.exec(select(User).where(User.is_active == True)  # noqa: E712
                                   .order_by(col(User.name))))
        tags = ticket_tags(session, number)
        sent = deliveries(session, number)
        automatic = automatic_mail(session, number)
        # A customer who wrote again after the ticket was closed opened a new one that follows it.
        followed_by = list(session.exec(select(Ticket.id).where(Ticket.follows_id == number)))
        suggested = ticket_suggestions(
            session, db_of(request), request.app.state.settings, ticket.subject,
            items[0].message.text if items else "", customer.locale if customer else "en")
    return render(
        request, "agent/ticket.html", status_code=status_code, ticket=ticket, customer=customer,
        org=org, items=items, history=history, others=others, teams=teams, agents=agents,
        tags=tags, statuses=[s.value for s in Status], priorities=[p.value for p in Priority],
        names={a.id: a.name for a in agents}, team_names={t.id: t.name for t in teams},
        errors=errors or {}, reply_text=reply_text, followed_by=followed_by,
        deliveries=sent, automatic=automatic, delivery_labels=labels.DELIVERY,
        kind_labels=labels.OUTBOUND_KIND, suggested=suggested,
        base_url=request.app.state.settings.base_url,
    )


async def ticket_page(request: Request) -> Response:
    return _ticket_page(request, request.path_params["number"])


async def update(request: Request) -> Response:
    user = staff(request)
    number = request.path_params["number"]
    form = await request.form()
    check_csrf(request, form)
    raw = {k: form.get(k) for k in ("status", "priority", "team_id", "assignee_id", "tags")
           if k in form}
    with db_of(request).session() as session:
        ticket = access_ticket(session, user, number)
        checked = check_ticket_changes(session, raw)
        if checked.errors:
            return _ticket_page(request, number, 400, errors=checked.errors)
        update_ticket(session, Actor.of_user(user), ticket, checked.fields, checked.tags)
        commit(session)
    return RedirectResponse(f"/agent/tickets/{number}", status_code=303)


async def reply(request: Request) -> Response:
    user = staff(request)
    settings: Settings = request.app.state.settings
    number = request.path_params["number"]
    form = await request.form(max_files=100)
    check_csrf(request, form)
    uploads = await read_uploads(form, "attachments", settings.max_attachment_bytes)
    text = str(form.get("text", "")).strip()
    internal = form.get("kind") == "note"
    errors = message_errors("text", text, 50000, len(uploads.files), uploads.oversize,
                            upload_limits(settings))
    if errors:
        return _ticket_page(request, number, 400, errors=errors, reply_text=text)
    status = form.get("status")
    with db_of(request).session() as session:
        ticket = access_ticket(session, user, number)
        agent = session.get(User, user.id)
        assert agent is not None
        add_agent_reply(session, settings, Actor.of_user(user), agent, ticket, text,
                        internal=internal, attachments=uploads.files)
        # "Reply and set status" in one go, as agents expect.
        if isinstance(status, str) and status:
            checked = check_ticket_changes(session, {"status": status})
            if not checked.errors:
                update_ticket(session, Actor.of_user(user), ticket, checked.fields)
        commit(session)
    return RedirectResponse(f"/agent/tickets/{number}", status_code=303)


async def resend_outbound(request: Request) -> Response:
    """Queue a reply mail that finally failed once more (the agent fixed the address,
    or the admin the mailbox); recorded in the ticket's history."""
    user = staff(request)
    number = request.path_params["number"]
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        access_ticket(session, user, number)
        row = session.get(OutboundMessage, request.path_params["outbound_id"])
        if row is None or row.ticket_id != number:
            raise HTTPException(404, _("Not found."))
        if not resend(session, Actor.of_user(user), row):
            raise HTTPException(409, _("Only a mail that could not be delivered can be sent again."))
        commit(session)
    return RedirectResponse(f"/agent/tickets/{number}", status_code=303)


async def download(request: Request) -> Response:
    user = staff(request)
    with db_of(request).session() as session:
        attachment = session.get(Attachment, request.path_params["attachment_id"])
        message = session.get(Message, attachment.message_id) if attachment else None
        if attachment is None or message is None:
            raise HTTPException(404, _("Not found."))
        access_ticket(session, user, message.ticket_id)
    return attachment_response(request.app.state.settings, attachment)


routes = [
    Route("/agent/tickets/{number:int}", ticket_page, methods=["GET"]),
    Route("/agent/tickets/{number:int}", update, methods=["POST"]),
    Route("/agent/tickets/{number:int}/replies", reply, methods=["POST"]),
    Route("/agent/tickets/{number:int}/outbound/{outbound_id:int}/resend", resend_outbound,
          methods=["POST"]),
    Route("/agent/attachments/{attachment_id:int}", download),
]
