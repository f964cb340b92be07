"""Follow-ups: set one from the ticket page, "my follow-ups", marking one done."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.tickets.follow_ups import FollowUpError, add_follow_up, complete_follow_up
from desk.models.base import aware, now
from desk.queries.tickets.follow_ups import access_follow_up, my_follow_ups
from desk.queries.tickets.queue import access_ticket
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render


async def mine(request: Request) -> Response:
    user = staff(request)
    assert user.id is not None
    with db_of(request).session() as session:
        rows = my_follow_ups(session, user.id)
    moment = now()
    return render(request, "tickets/follow_ups.html", rows=rows,
                  overdue={r.follow_up.id for r in rows if aware(r.follow_up.due_at) <= moment})


async def create(request: Request) -> Response:
    """POST due_at (``YYYY-MM-DDTHH:MM``, UTC) and note, from the ticket page."""
    user = staff(request)
    number = request.path_params["number"]
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        ticket = access_ticket(session, user, number)
        try:
            add_follow_up(session, user, ticket, str(form.get("due_at") or ""),
                          str(form.get("note") or ""))
        except FollowUpError as exc:
            return render(request, "tickets/follow_up_error.html", status_code=400, error=exc,
                          back=f"/agent/tickets/{number}")
    return RedirectResponse("/agent/follow-ups", status_code=303)


async def done(request: Request) -> Response:
    user = staff(request)
    assert user.id is not None
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        follow_up = access_follow_up(session, user.id, request.path_params["follow_up_id"])
        complete_follow_up(session, user, follow_up)
    return RedirectResponse("/agent/follow-ups", status_code=303)


routes = [
    Route("/agent/follow-ups", mine, methods=["GET"]),
    Route("/agent/tickets/{number:id}/follow-ups", create, methods=["POST"]),
    Route("/agent/follow-ups/{follow_up_id:id}/done", done, methods=["POST"]),
]
