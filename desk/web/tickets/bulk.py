"""Bulk actions from the queue: the form posts the ticked tickets (or "every ticket of this
filter") and the change; the run is a job, and its page shows the progress and every ticket
that could not be changed, with the reason."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.tickets.bulk import MAX_TICKETS, check_bulk_changes, start_bulk
from desk.i18n import _
from desk.queries.tickets.bulk import access_bulk_run, filter_ticket_ids
from desk.queries.tickets.queue import filter_from_params
from desk.queries.users import active_agents, list_teams
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

CHANGE_FIELDS = ("set_status", "set_priority", "set_team", "set_assignee", "add_tags",
                 "remove_tags", "macro", "merge_into")

FIELD_LABELS = {"set_status": _("Status"), "set_priority": _("Priority"), "set_team": _("Team"),
                "set_assignee": _("Assignee"), "add_tags": _("Add tags"),
                "remove_tags": _("Remove tags"), "macro": _("Macro"),
                "merge_into": _("Merge into ticket")}
REASONS = {"forbidden": _("You may not change this ticket."),
           "not_found": _("This ticket no longer exists."),
           "merged": _("This ticket was merged into another: its conversation goes on there."),
           "error": _("The change could not be saved.")}


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and 0 < int(v) < 2**31]


async def start(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    raw = {k: str(form.get(k, ""))[:1000] for k in CHANGE_FIELDS}
    back = str(form.get("filter", ""))[:4000]
    every = form.get("scope") == "filter"
    selected = _ids([str(v) for v in form.getlist("ids")])
    with db_of(request).session() as session:
        changes, errors = check_bulk_changes(session, user, raw)
        if not every and not selected:
            errors["ids"] = "required"
        if errors:
            return render(request, "tickets/bulk_refused.html", status_code=400,
                          errors=errors, back="/agent/?" + back,
                          bulk_field_labels=FIELD_LABELS)
        if every:
            f = filter_from_params(dict(parse_qsl(back)))
            selected, matched = filter_ticket_ids(session, user, f, MAX_TICKETS)
        else:
            matched = len(set(selected))
        run = start_bulk(session, Actor.of_user(user), user, changes, selected, matched)
    return RedirectResponse(f"/agent/bulk/{run.id}?" + urlencode({"back": back}),
                            status_code=303)


async def progress(request: Request) -> Response:
    user = staff(request)
    with db_of(request).session() as session:
        view = access_bulk_run(session, user, request.path_params["bulk_id"])
        names = {a.id: a.name for a in active_agents(session)}
        teams = {t.id: t.name for t in list_teams(session)}
    back = request.query_params.get("back", "")[:4000]
    return render(request, "tickets/bulk_run.html", run=view.run, macro_name=view.macro_name,
                  names=names, team_names=teams, back="/agent/?" + back,
                  bulk_reason_labels=REASONS)


routes = [
    Route("/agent/bulk", start, methods=["POST"]),
    Route("/agent/bulk/{bulk_id:id}", progress, methods=["GET"]),
]
