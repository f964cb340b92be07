"""Admin pages: staff accounts and background jobs that gave up."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.users import UserError, add_to_team, create_user
from desk.db import commit
from desk.i18n import _
from desk.jobs.runner import retry_job
from desk.models import Job, JobStatus, Role, Team, TeamMembership, User
from desk.queries.mail.quarantine import count_quarantined
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render


def _page(request: Request, status_code: int = 200, error: str = "",
          values: dict[str, str] | None = None) -> Response:
    with db_of(request).session() as session:
        users = list(session.exec(select(User).order_by(col(User.name))))
        teams = list(session.exec(select(Team).order_by(col(Team.name))))
        memberships = list(session.exec(select(TeamMembership)))
        dead = list(session.exec(select(Job).where(Job.status == JobStatus.dead)
                                 .order_by(col(Job.id).desc()).limit(100)))
        counts = dict(session.exec(select(Job.status, func.count()).group_by(Job.status)).all())
        quarantined = count_quarantined(session)
    team_names = {t.id: t.name for t in teams}
    user_teams: dict[int, list[str]] = {}
    for m in memberships:
        user_teams.setdefault(m.user_id, []).append(team_names.get(m.team_id, ""))
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
    with db_of(request).session() as session:
        try:
            user = create_user(session, Actor.of_user(admin), values["email"], values["name"],
                               values["role"], password)
        except UserError:
            session.rollback()
            return _page(request, 400, _("That user could not be created: check the email "
                                         "(it may exist already) and the role."), values)
        if values["team"].isdigit():
            team = session.get(Team, int(values["team"]))
            if team is not None:
                add_to_team(session, Actor.of_user(admin), user, team)
        commit(session)
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
    Route("/admin/jobs/{job_id:int}/retry", retry, methods=["POST"]),
]
