"""Admin pages: staff accounts and background jobs that gave up."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.users import UserError, add_staff
from desk.i18n import _
from desk.jobs.runner import retry_job
from desk.models import Role
from desk.queries.jobs import dead_jobs, job_counts
from desk.queries.mail.quarantine import count_quarantined
from desk.queries.users import list_teams, list_users, teams_by_user
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render


def _page(request: Request, status_code: int = 200, error: str = "",
          values: dict[str, str] | None = None) -> Response:
    with db_of(request).session() as session:
        users = list_users(session)
        teams = list_teams(session)
        user_teams = teams_by_user(session)
        dead = dead_jobs(session)
        counts = job_counts(session)
        quarantined = count_quarantined(session)
    return render(request, "admin/index.html", status_code=status_code, users=users, teams=teams,
                  user_teams=user_teams, dead=dead, job_counts=counts, error=error,
                  values=values or {}, roles=[r.value for r in Role], quarantined=quarantined)


async def index(request: Request) -> Response:
    staff(request, Role.admin)
    return _page(request)


async def add_user(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    values = {k: str(form.get(k, "")) for k in ("email", "name", "role", "team")}
    password = str(form.get("password", ""))
    if len(password) < 10:
        return _page(request, 400, _("The password needs at least 10 characters."), values)
    team_id = int(values["team"]) if values["team"].isdigit() else None
    with db_of(request).session() as session:
        try:
            add_staff(session, Actor.of_user(admin), values["email"], values["name"],
                      values["role"], password, team_id)
        except UserError:
            return _page(request, 400, _("That user could not be created: check the email "
                                         "(it may exist already) and the role."), values)
    return RedirectResponse("/admin/", status_code=303)


async def retry(request: Request) -> Response:
    staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    retry_job(db_of(request), request.path_params["job_id"])
    return RedirectResponse("/admin/#jobs", status_code=303)


routes = [
    Route("/admin/", index),
    Route("/admin", lambda request: RedirectResponse("/admin/", status_code=307)),
    Route("/admin/users", add_user, methods=["POST"]),
    Route("/admin/jobs/{job_id:id}/retry", retry, methods=["POST"]),
]
