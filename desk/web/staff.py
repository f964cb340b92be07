"""Admin pages for staff accounts: the list, adding someone, editing their name, role,
language and teams, deactivating and reactivating them, resetting their password, revoking
one of their API tokens (a leaked one, without deactivating them).

Admins only, checked on the server on every request. A generated password is shown once, on
the page that answers the form, and never stored in clear or put in a URL."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.api_tokens import revoke_member_token
from desk.actions.audit import Actor
from desk.actions.staff import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    StaffError,
    add_staff_member,
    deactivate_staff_member,
    edit_staff_member,
    reactivate_staff_member,
    reset_password,
)
from desk.i18n import LOCALES, _
from desk.models import Role, User
from desk.queries.account_security import get_token, tokens_of
from desk.queries.users import get_user, list_teams, list_users, team_ids_of, teams_by_user
from desk.web.auth import check_csrf, db_of, staff
from desk.web.ids import MAX_ID
from desk.web.templating import render

FIELDS = ("email", "name", "role", "locale")


def _values(form: FormData) -> dict[str, str]:
    return {k: str(form.get(k, "")).strip()[:1000] for k in FIELDS}


def team_choice(form: FormData) -> list[int]:
    """The team ids ticked in the form; a value that is no id becomes 0, which no team has
    (the action then says the team no longer exists)."""
    ids = []
    for raw in form.getlist("teams"):
        text = str(raw)
        ids.append(int(text) if text.isascii() and text.isdigit() and len(text) <= 10
                   and int(text) <= MAX_ID else 0)
    return ids


def _list_page(request: Request, values: Mapping[str, str] | None = None,
               team_ids: list[int] | None = None, error: StaffError | None = None) -> Response:
    with db_of(request).session() as session:
        users = list_users(session)
        teams = list_teams(session)
        user_teams = teams_by_user(session)
    return render(request, "admin/staff.html", status_code=400 if error else 200, users=users,
                  teams=teams, user_teams=user_teams, values=values or {"locale": "en",
                                                                        "role": Role.agent},
                  team_ids=team_ids or [], error=error, roles=[r.value for r in Role],
                  locales=LOCALES, min_password=MIN_PASSWORD,
                  done=request.query_params.get("done", ""))


def _member_page(request: Request, session: Session, member: User,
                 values: Mapping[str, str] | None = None, team_ids: list[int] | None = None,
                 error: StaffError | None = None, password: str = "") -> Response:
    assert member.id is not None
    return render(request, "admin/staff_member.html", status_code=400 if error else 200,
                  member=member, teams=list_teams(session),
                  values=values or {k: getattr(member, k) for k in FIELDS},
                  team_ids=team_ids if team_ids is not None else team_ids_of(session, member.id),
                  error=error, roles=[r.value for r in Role], locales=LOCALES,
                  min_password=MIN_PASSWORD, password=password,
                  tokens=tokens_of(session, member.id), done=request.query_params.get("done", ""))


def _member_or_404(session: Session, request: Request) -> User:
    member = get_user(session, request.path_params["user_id"])
    if member is None:
        raise HTTPException(404, _("There is no such staff member."))
    return member


async def index(request: Request) -> Response:
    staff(request, Role.admin)
    return _list_page(request)


async def add(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    values, team_ids = _values(form), team_choice(form)
    password = str(form.get("password", ""))[:MAX_PASSWORD + 1]

    def add_member() -> tuple[int, str]:
        with db_of(request).session() as session:
            member, given = add_staff_member(
                session, Actor.of_user(admin), values["email"], values["name"], values["role"],
                values["locale"], team_ids, password)
            return member.id or 0, given

    try:
        # argon2 hashes the password: in the thread pool, never in the event loop.
        member_id, given = await run_in_threadpool(add_member)
    except StaffError as exc:
        return _list_page(request, values, team_ids, exc)
    if not password:  # generated: shown on this answer, once
        with db_of(request).session() as session:
            member = get_user(session, member_id)
            assert member is not None
            return _member_page(request, session, member, password=given)
    return RedirectResponse(f"/admin/staff/{member_id}?done=added", status_code=303)


async def member_page(request: Request) -> Response:
    staff(request, Role.admin)
    with db_of(request).session() as session:
        return _member_page(request, session, _member_or_404(session, request))


async def save(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    values, team_ids = _values(form), team_choice(form)
    with db_of(request).session() as session:
        member = _member_or_404(session, request)
        values["email"] = member.email
        try:
            edit_staff_member(session, Actor.of_user(admin), member, values["name"],
                              values["role"], values["locale"], team_ids)
        except StaffError as exc:
            return _member_page(request, session, member, values, team_ids, exc)
    return RedirectResponse(f"/admin/staff/{member.id}?done=saved", status_code=303)


async def deactivate(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        member = _member_or_404(session, request)
        try:
            deactivate_staff_member(session, Actor.of_user(admin), member)
        except StaffError as exc:
            return _member_page(request, session, member, error=exc)
    return RedirectResponse(f"/admin/staff/{member.id}?done=deactivated", status_code=303)


async def activate(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        member = _member_or_404(session, request)
        reactivate_staff_member(session, Actor.of_user(admin), member)
    return RedirectResponse(f"/admin/staff/{member.id}?done=reactivated", status_code=303)


async def password(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    typed = str(form.get("password", ""))[:MAX_PASSWORD + 1]

    def reset() -> str:
        with db_of(request).session() as session:
            return reset_password(session, Actor.of_user(admin),
                                  _member_or_404(session, request), typed)

    try:
        # argon2 hashes the password: in the thread pool, never in the event loop.
        given = await run_in_threadpool(reset)
    except StaffError as exc:
        error: StaffError | None = exc
    else:
        error = None
    with db_of(request).session() as session:
        member = _member_or_404(session, request)
        if error is not None:
            return _member_page(request, session, member, error=error)
        if not typed:
            return _member_page(request, session, member, password=given)
    return RedirectResponse(f"/admin/staff/{member.id}?done=password", status_code=303)


async def revoke_token(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        member = _member_or_404(session, request)
        token = get_token(session, request.path_params["token_id"])
        if token is None or token.user_id != member.id:
            raise HTTPException(404, _("There is no such token."))
        revoke_member_token(session, Actor.of_user(admin), member, token)
    return RedirectResponse(f"/admin/staff/{member.id}?done=token_revoked#tokens", status_code=303)


routes = [
    Route("/admin/staff", index, methods=["GET"]),
    Route("/admin/staff", add, methods=["POST"]),
    Route("/admin/staff/{user_id:id}", member_page, methods=["GET"]),
    Route("/admin/staff/{user_id:id}", save, methods=["POST"]),
    Route("/admin/staff/{user_id:id}/deactivate", deactivate, methods=["POST"]),
    Route("/admin/staff/{user_id:id}/activate", activate, methods=["POST"]),
    Route("/admin/staff/{user_id:id}/password", password, methods=["POST"]),
    Route("/admin/staff/{user_id:id}/tokens/{token_id:id}/revoke", revoke_token, methods=["POST"]),
]
