"""Admin page for the retention rules (admins only): after how many days raw mail is emptied
and customers whose tickets are all finished are anonymised; when the job runs next and what
its last runs did (from the audit log)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.retention.rules import RetentionError, read_rules, save_rules
from desk.models import RetentionKind, Role
from desk.queries.retention import last_runs, next_run, retention_days
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render


def _page(request: Request, values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None) -> Response:
    with db_of(request).session() as session:
        days = retention_days(session)
        runs = last_runs(session)
        upcoming = next_run(session)
    if values is None:
        values = {kind: "" if d is None else str(d) for kind, d in days.items()}
    return render(request, "admin/retention.html", status_code=422 if errors else 200,
                  values=values, errors=errors or {}, runs=runs, next_run=upcoming,
                  kinds=RetentionKind)


async def index(request: Request) -> Response:
    staff(request, Role.admin)
    return _page(request)


async def save(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    values = {kind.value: str(form.get(kind.value, ""))[:20] for kind in RetentionKind}
    try:
        days = read_rules(values)
    except RetentionError as exc:
        return _page(request, values, exc.errors)
    with db_of(request).session() as session:
        save_rules(session, Actor.of_user(admin), days)
    return RedirectResponse("/admin/retention", status_code=303)


routes = [
    Route("/admin/retention", index, methods=["GET"]),
    Route("/admin/retention", save, methods=["POST"]),
]
