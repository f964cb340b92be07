"""The duty and cover forms' posts: an agent's own on My account (/agent/account/...), an
admin's for someone on their staff page (/admin/staff/{id}/...). A refusal shows the page
again with the reason beside the field and the cover as typed."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.duty import DutyError, end_cover, save_duty, start_cover
from desk.i18n import _
from desk.models import Role, User
from desk.queries.users import get_user
from desk.web import account
from desk.web import staff as staff_pages
from desk.web.auth import check_csrf, db_of, staff
from desk.web.duty import COVER_TYPED, DUTY_ERROR, cover_input, duty_input


def _member(request: Request) -> tuple[User, User]:
    """(the admin, the staff member the page is about); 404 for nobody."""
    admin = staff(request, Role.admin)
    with db_of(request).session() as session:
        member = get_user(session, request.path_params["user_id"])
    if member is None:
        raise HTTPException(404, _("There is no such staff member."))
    return admin, member


async def _refused(request: Request, error: DutyError) -> Response:
    """The page again (My account, or the staff member's), the reason beside the field."""
    request.scope[DUTY_ERROR] = error
    page = account.index if request.url.path.startswith("/agent/") else staff_pages.member_page
    response = await page(request)
    response.status_code = 400
    return response


def _back(request: Request, member: User, done: str) -> Response:
    if request.url.path.startswith("/agent/"):
        return RedirectResponse(f"/agent/account?done={done}#{done}", status_code=303)
    return RedirectResponse(f"/admin/staff/{member.id}?done={done}#{done}", status_code=303)


async def _save_duty(request: Request, actor: User, member: User) -> Response:
    form = await request.form()
    check_csrf(request, form)
    given = duty_input(form)
    with db_of(request).session() as session:
        try:
            save_duty(session, Actor.of_user(actor), member, given.capacity, given.skills,
                      given.time_zone, given.hours)
        except DutyError as exc:
            return await _refused(request, exc)
    return _back(request, member, "duty")


async def _start_cover(request: Request, actor: User, member: User) -> Response:
    form = await request.form()
    check_csrf(request, form)
    given = cover_input(form)
    with db_of(request).session() as session:
        try:
            start_cover(session, Actor.of_user(actor), member, get_user(session, given.delegate_id),
                        given.starts, given.ends)
        except DutyError as exc:
            request.scope[COVER_TYPED] = given
            return await _refused(request, exc)
    return _back(request, member, "cover")


async def _end_cover(request: Request, actor: User, member: User) -> Response:
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        end_cover(session, Actor.of_user(actor), member, request.path_params["cover_id"])
    return _back(request, member, "cover")


async def my_duty(request: Request) -> Response:
    user = staff(request)
    return await _save_duty(request, user, user)


async def my_cover(request: Request) -> Response:
    user = staff(request)
    return await _start_cover(request, user, user)


async def my_cover_end(request: Request) -> Response:
    user = staff(request)
    return await _end_cover(request, user, user)


async def member_duty(request: Request) -> Response:
    return await _save_duty(request, *_member(request))


async def member_cover(request: Request) -> Response:
    return await _start_cover(request, *_member(request))


async def member_cover_end(request: Request) -> Response:
    return await _end_cover(request, *_member(request))


routes = [
    Route("/agent/account/duty", my_duty, methods=["POST"]),
    Route("/agent/account/cover", my_cover, methods=["POST"]),
    Route("/agent/account/cover/{cover_id:id}/end", my_cover_end, methods=["POST"]),
    Route("/admin/staff/{user_id:id}/duty", member_duty, methods=["POST"]),
    Route("/admin/staff/{user_id:id}/cover", member_cover, methods=["POST"]),
    Route("/admin/staff/{user_id:id}/cover/{cover_id:id}/end", member_cover_end, methods=["POST"]),
]
