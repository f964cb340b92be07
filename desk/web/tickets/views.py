"""Saving the queue's filter and sort as a named view (personal or shared with a team), and
deleting one; the side bar lists them with their counts (desk/web/tickets/queue.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.tickets.views import ViewError, delete_view, save_view
from desk.i18n import _
from desk.models import Role, Team, User
from desk.queries.tickets.queue import team_ids
from desk.queries.tickets.views import ViewCount, access_view, may_delete, saved_view_counts, view_query
from desk.queries.users import list_teams
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render


@dataclass
class SideBar:
    """The saved views part of the queue's side bar."""

    views: list[ViewCount]
    # The teams the user may share a view with.
    teams: list[Team]
    # The filter on screen as a query string (what "Save as view" and "Board" carry).
    query: str
    active: int | None
    deletable: set[int] = field(default_factory=set)

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query)


def side_bar(session: Session, user: User, params: Any) -> SideBar:
    """The user's views with their counts, for the queue page (one query per view, capped)."""
    views = saved_view_counts(session, user)
    mine = set(team_ids(session, user))
    teams = [t for t in list_teams(session)
             if t.id in mine or user.role in (Role.supervisor, Role.admin)]
    raw = str(params.get("saved") or "")
    return SideBar(views, teams, view_query(params),
                   int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else None,
                   {v.view.id for v in views if v.view.id is not None and may_delete(user, v.view)})


async def create(request: Request) -> Response:
    """POST name, team ("" for personal) and the queue's filter fields."""
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    raw_team = str(form.get("team_share") or "")
    team_id = (int(raw_team) if raw_team.isascii() and raw_team.isdigit() and len(raw_team) <= 10
               and 0 < int(raw_team) < 2**31 else None)
    query = view_query({k: v for k, v in form.items() if isinstance(v, str)})
    with db_of(request).session() as session:
        try:
            view = save_view(session, user, str(form.get("name") or ""), query, team_id)
        except ViewError as exc:
            return render(request, "tickets/view_error.html", status_code=400, error=exc,
                          back="/agent/?" + query)
    return RedirectResponse("/agent/?" + "&".join(p for p in (query, urlencode({"saved": view.id})) if p),
                            status_code=303)


async def delete(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        view = access_view(session, user, request.path_params["view_id"])
        try:
            delete_view(session, user, view)
        except ViewError as exc:
            raise HTTPException(403, _(exc.message)) from exc
    return RedirectResponse("/agent/", status_code=303)


routes = [
    Route("/agent/views", create, methods=["POST"]),
    Route("/agent/views/{view_id:id}/delete", delete, methods=["POST"]),
]
