"""Admin pages for SLA policies (supervisors and admins): the list, and a form per policy
with its calendar (time zone, a country's public holidays, hours per weekday, closed dates),
its targets per priority in business hours (first response, next response, resolution; VIP
customers get half of each), the warning before a breach and the escalation at one."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.sla.policies import DAYS, PolicyError, form_values, read_policy, save_policy
from desk.i18n import _
from desk.models import Priority, Role
from desk.queries.sla import get_policy, list_policies
from desk.queries.users import active_agents, list_teams
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

DAY_LABELS = {"mon": _("Monday"), "tue": _("Tuesday"), "wed": _("Wednesday"), "thu": _("Thursday"),
              "fri": _("Friday"), "sat": _("Saturday"), "sun": _("Sunday")}
FIRST = (("urgent", "1"), ("high", "4"), ("normal", "8"), ("low", "24"))
NEXT = (("urgent", "2"), ("high", "4"), ("normal", "8"), ("low", "24"))
RESOLUTION = (("urgent", "4"), ("high", "24"), ("normal", "40"), ("low", "80"))
NEW = {"zone": "UTC", **{d: "09:00-18:00" for d in DAYS[:5]},
       **{f"first_response_{p}": h for p, h in FIRST}, **{f"next_response_{p}": h for p, h in NEXT},
       **{f"resolution_{p}": h for p, h in RESOLUTION}, "warn_minutes": "30", "escalate_notify": "on"}


def _page(request: Request, policy_id: int | None, values: dict[str, str],
          errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    with db_of(request).session() as session:
        policies = list_policies(session)
        agents, teams = active_agents(session), list_teams(session)
    return render(request, "admin/sla.html", status_code=status_code, policies=policies,
                  policy_id=policy_id, values=values, errors=errors or {}, days=DAYS,
                  day_labels=DAY_LABELS, priorities=list(Priority), agents=agents, teams=teams)


async def index(request: Request) -> Response:
    staff(request, Role.supervisor)
    return _page(request, None, dict(NEW))


async def edit(request: Request) -> Response:
    staff(request, Role.supervisor)
    with db_of(request).session() as session:
        policy = get_policy(session, request.path_params["policy_id"])
        if policy is None:
            raise HTTPException(404, _("There is no such SLA policy."))
        values = form_values(policy)
    return _page(request, policy.id, values)


async def save(request: Request) -> Response:
    user = staff(request, Role.supervisor)
    form = await request.form()
    check_csrf(request, form)
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    policy_id = request.path_params.get("policy_id")
    with db_of(request).session() as session:
        policy = get_policy(session, policy_id) if policy_id is not None else None
        if policy_id is not None and policy is None:
            raise HTTPException(404, _("There is no such SLA policy."))
        try:
            save_policy(session, Actor.of_user(user), policy, read_policy(values))
        except PolicyError as exc:
            return _page(request, policy_id, values, exc.errors, status_code=422)
    return RedirectResponse("/admin/sla", status_code=303)


routes = [
    Route("/admin/sla", index),
    Route("/admin/sla", save, methods=["POST"]),
    Route("/admin/sla/{policy_id:id}", edit),
    Route("/admin/sla/{policy_id:id}", save, methods=["POST"]),
]
