"""Admins and the second factor: which roles must sign in with one, and resetting a staff
member's (a lost phone with no recovery codes left)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.two_factor import require_for_roles, turn_off
from desk.i18n import _
from desk.models import Role
from desk.queries.account_security import two_factor_rules
from desk.queries.users import get_user
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render


async def security_page(request: Request) -> Response:
    staff(request, Role.admin)
    with db_of(request).session() as session:
        rules = two_factor_rules(session)
    return render(request, "admin/security.html", rules=rules, roles=[r.value for r in Role],
                  done=request.query_params.get("done", ""))


async def save_security(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    required = {str(v) for v in form.getlist("required")}
    with db_of(request).session() as session:
        require_for_roles(session, Actor.of_user(admin), {r.value: r.value in required for r in Role},
                          keep=str(request.session.get("sid", "")))
    return RedirectResponse("/admin/security?done=saved", status_code=303)


async def reset_two_factor(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        member = get_user(session, request.path_params["user_id"])
        if member is None:
            raise HTTPException(404, _("This no longer exists."))
        turn_off(session, Actor.of_user(admin), member)
    return RedirectResponse(f"/admin/staff/{member.id}?done=two_factor_reset", status_code=303)


routes = [
    Route("/admin/security", security_page, methods=["GET"]),
    Route("/admin/security", save_security, methods=["POST"]),
    Route("/admin/staff/{user_id:id}/two-factor/reset", reset_two_factor, methods=["POST"]),
]
