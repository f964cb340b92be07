"""The agent's ticket page: conversation, customer, properties, replies, history."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from channels.webform import message_errors
from desk.actions.audit import Actor
from desk.actions.tickets.checks import check_ticket_changes
from desk.actions.tickets.collisions import StaleTicket
from desk.actions.tickets.handling import reply_to_ticket, save_ticket_changes, send_again
from desk.actions.tickets.status_rules import MoveRefused, allowed_statuses
from desk.i18n import _
from desk.models import Priority
from desk.models.base import now
from desk.queries.macros import macro_actions_for, macro_for_ticket, usable_macros
from desk.queries.tickets.fields import ticket_field_definitions
from desk.queries.tickets.links import linked_tickets, merged_from
from desk.queries.tickets.messages import attachment_of
from desk.queries.tickets.outbox import ticket_outbound
from desk.queries.tickets.page import ticket_view
from desk.queries.tickets.queue import access_ticket, read_ticket
from desk.settings import Settings
from desk.web import labels
from desk.web.auth import check_csrf, db_of, staff
from desk.web.kb.deflection import ticket_suggestions
from desk.web.templating import render
from desk.web.tickets.collisions import conflict_of, seen_of
from desk.web.tickets.public import attachment_response
from desk.web.uploads import read_uploads, upload_limits


def _ticket_page(request: Request, number: int, status_code: int = 200,
                 errors: dict[str, str] | None = None, reply_text: str = "",
                 extra: dict[str, Any] | None = None) -> Response:
    """``extra``: more of the page's context (a stale save's notice and the input it keeps,
    the merge and link forms' errors)."""
    user = staff(request)
    with db_of(request).session() as session:
        view = ticket_view(session, user, number)
        macros = usable_macros(session, user)
        links, merged = linked_tickets(session, number), merged_from(session, number)
        first = view.items[0].message.text if view.items else ""
        definitions = ticket_field_definitions(session)
        suggested = ticket_suggestions(
            session, db_of(request), request.app.state.settings, view.ticket.subject, first,
            view.customer.locale if view.customer else "en")
    return render(
        request, "tickets/ticket.html", status_code=status_code, ticket=view.ticket,
        customer=view.customer, org=view.org, items=view.items, history=view.history,
        others=view.others, teams=view.teams, agents=view.agents, tags=view.tags,
        statuses=allowed_statuses(user, view.ticket), priorities=[p.value for p in Priority],
        names={a.id: a.name for a in view.agents}, team_names={t.id: t.name for t in view.teams},
        errors=errors or {}, reply_text=reply_text, followed_by=view.followed_by,
        deliveries=view.deliveries, automatic=view.automatic, delivery_labels=labels.DELIVERY,
        kind_labels=labels.OUTBOUND_KIND, suggested=suggested,
        base_url=request.app.state.settings.base_url, sla=view.sla, sla_policy=view.sla_policy,
        now=now(), macros=macros, links=links, merged_from=merged, read_only=not view.may_change,
        ticket_fields=definitions, custom_labels={f"fields.{d.key}": d.label for d in definitions},
        chat=view.chat,
        **{"conflict": None, "props": {}, "link_errors": {}, **(extra or {})},
    )


async def ticket_page(request: Request) -> Response:
    number = request.path_params["number"]
    chosen = request.query_params.get("macro", "")
    if chosen.isascii() and chosen.isdigit() and 0 < int(chosen) < 2**31:
        # "Use macro" without JavaScript: the page again with the reply box filled in, the
        # macro's status chosen, and its other actions applied when the reply is sent.
        user = staff(request)
        with db_of(request).session() as session:
            filled = macro_for_ticket(session, user, access_ticket(session, user, number),
                                      int(chosen), request.app.state.settings.base_url)
        return _ticket_page(request, number, reply_text=filled.text, extra={
            "macro_id": filled.macro_id, "reply_status": filled.status})
    return _ticket_page(request, number)


async def update(request: Request) -> Response:
    user = staff(request)
    number = request.path_params["number"]
    form = await request.form()
    check_csrf(request, form)
    raw: dict[str, Any] = {k: form.get(k) for k in ("status", "priority", "team_id", "assignee_id", "tags")
                           if k in form}
    with db_of(request).session() as session:
        ticket = access_ticket(session, user, number)
        typed = {d.key: str(form[f"fields.{d.key}"]) for d in ticket_field_definitions(session)
                 if f"fields.{d.key}" in form}
        if typed:
            raw["fields"] = typed
        checked = check_ticket_changes(session, raw)
        if checked.errors:
            return _ticket_page(request, number, 400, errors=checked.errors)
        try:
            save_ticket_changes(session, Actor.of_user(user), ticket, checked.fields, checked.tags,
                                seen=seen_of(form), by=user)
        except MoveRefused as refused:  # nothing saved: the reason, and the input kept
            props = {**checked.fields, **({"tags": checked.tags} if checked.tags is not None else {})}
            return _ticket_page(request, number, 400, errors={"status": refused.message},
                                extra={"props": props})
        except StaleTicket:
            # Nothing saved: show what changed since the page was opened, keep the input.
            conflict = conflict_of(session, ticket, form, "properties", checked.fields, checked.tags)
            props = {**checked.fields, **({"tags": checked.tags} if checked.tags is not None else {})}
            return _ticket_page(request, number, 409, extra={"conflict": conflict, "props": props})
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
        try:
            reply_to_ticket(session, settings, Actor.of_user(user), user, ticket, text,
                            internal=internal, attachments=uploads.files,
                            status=status if isinstance(status, str) else "", seen=seen_of(form),
                            macro=macro_actions_for(session, user, form.get("macro_id")))
        except MoveRefused as refused:  # shown by the status list; the text is kept
            return _ticket_page(request, number, 400, errors={"reply_status": refused.message},
                                reply_text=text, extra={
                                    "reply_kind": "note" if internal else "reply",
                                    "macro_id": form.get("macro_id")})
        except StaleTicket:
            conflict = conflict_of(session, ticket, form, "reply")
            return _ticket_page(request, number, 409, reply_text=text, extra={
                "conflict": conflict, "reply_kind": "note" if internal else "reply",
                "reply_status": status if isinstance(status, str) else "",
                "macro_id": form.get("macro_id"),
                "dropped_files": len(uploads.files)})
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
        row = ticket_outbound(session, number, request.path_params["outbound_id"])
        if row is None:
            raise HTTPException(404, _("Not found."))
        if not send_again(session, Actor.of_user(user), row):
            raise HTTPException(409, _("Only a mail that could not be delivered can be sent again."))
    return RedirectResponse(f"/agent/tickets/{number}", status_code=303)


async def download(request: Request) -> Response:
    user = staff(request)
    with db_of(request).session() as session:
        found = attachment_of(session, request.path_params["attachment_id"])
        if found is None:
            raise HTTPException(404, _("Not found."))
        attachment, message = found
        read_ticket(session, user, message.ticket_id)
    return attachment_response(db_of(request), attachment)


routes = [
    Route("/agent/tickets/{number:id}", ticket_page, methods=["GET"]),
    Route("/agent/tickets/{number:id}", update, methods=["POST"]),
    Route("/agent/tickets/{number:id}/replies", reply, methods=["POST"]),
    Route("/agent/tickets/{number:id}/outbound/{outbound_id:id}/resend", resend_outbound,
          methods=["POST"]),
    Route("/agent/attachments/{attachment_id:id}", download),
]
