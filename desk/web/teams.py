"""Admin page for teams: the list with each team's members, creating and renaming teams
(who is in which team is set on each staff member's page). Admins only."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.staff import StaffError, create_team, rename_team, set_team_readable
from desk.i18n import _
from desk.models import Role
from desk.queries.users import get_team, list_teams, list_users, teams_by_user
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render


def _page(request: Request, error: StaffError | None = None, failed_id: int | None = None,
          name: str = "") -> Response:
    with db_of(request).session() as session:
        teams = list_teams(session)
        users = list_users(session)
        user_teams = teams_by_user(session)
    members = {t.name: [u for u in users if t.name in user_teams.get(u.id or 0, [])]
               for t in teams}
    return render(request, "admin/teams.html", status_code=400 if error else 200, teams=teams,
                  members=members, error=error, failed_id=failed_id, name=name)


async def index(request: Request) -> Response:
    staff(request, Role.admin)
    return _page(request)


async def add(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    name = str(form.get("name", ""))[:1000]
    with db_of(request).session() as session:
        try:
            create_team(session, Actor.of_user(admin), name)
        except StaffError as exc:
            return _page(request, exc, None, name)
    return RedirectResponse("/admin/teams", status_code=303)


async def rename(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    name = str(form.get("name", ""))[:1000]
    team_id = request.path_params["team_id"]
    with db_of(request).session() as session:
        team = get_team(session, team_id)
        if team is None:
            raise HTTPException(404, _("There is no such team."))
        try:
            rename_team(session, Actor.of_user(admin), team, name)
        except StaffError as exc:
            return _page(request, exc, team_id, name)
    return RedirectResponse("/admin/teams", status_code=303)


async def visibility(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        team = get_team(session, request.path_params["team_id"])
        if team is None:
            raise HTTPException(404, _("There is no such team."))
        set_team_readable(session, Actor.of_user(admin), team, form.get("readable_by_all") == "1")
    return RedirectResponse("/admin/teams", status_code=303)


routes = [
    Route("/admin/teams", index, methods=["GET"]),
    Route("/admin/teams", add, methods=["POST"]),
    Route("/admin/teams/{team_id:id}", rename, methods=["POST"]),
    Route("/admin/teams/{team_id:id}/visibility", visibility, methods=["POST"]),
]
