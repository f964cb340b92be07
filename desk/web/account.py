"""My account: every staff member sees their details, and changes their own password (the
old one required) and the language of their pages."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.input_errors import InputError
from desk.actions.staff import MAX_PASSWORD, MIN_PASSWORD, StaffError, change_own_password
from desk.actions.users import choose_locale
from desk.db import Database
from desk.i18n import LOCALES, _
from desk.models import User
from desk.queries.users import get_user, teams_by_user
from desk.web.account_view import security_context
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render


def account_page(request: Request, user: User, error: InputError | None = None) -> Response:
    with db_of(request).session() as session:
        teams = teams_by_user(session).get(user.id or 0, [])
    return render(request, "auth/account.html", status_code=400 if error else 200,
                  teams=teams, error=error, locales=LOCALES, min_password=MIN_PASSWORD,
                  done=request.query_params.get("done", ""), **security_context(request, user))


async def index(request: Request) -> Response:
    return account_page(request, staff(request))


async def language(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    locale = str(form.get("locale", ""))
    if locale not in LOCALES:
        return account_page(request, user, StaffError("locale", _("Choose one of the options.")))
    with db_of(request).session() as session:
        assert user.id is not None
        choose_locale(session, Actor.of_user(user), user.id, locale)
    return RedirectResponse("/agent/account?done=language", status_code=303)


def _change(db: Database, user: User, old: str, new: str, keep: str) -> None:
    with db.session() as session:
        fresh = get_user(session, user.id or 0)
        assert fresh is not None
        change_own_password(session, fresh, old, new, keep)


async def password(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    old = str(form.get("old_password", ""))[:MAX_PASSWORD + 1]
    new = str(form.get("new_password", ""))[:MAX_PASSWORD + 1]
    if new != str(form.get("repeat_password", ""))[:MAX_PASSWORD + 1]:
        return account_page(request, user, StaffError("repeat_password",
                                                      _("The two new passwords differ.")))
    try:
        # argon2 twice (check the old, hash the new): never in the event loop.
        await run_in_threadpool(_change, db_of(request), user, old, new,
                                str(request.session.get("sid", "")))
    except StaffError as exc:
        return account_page(request, user, exc)
    return RedirectResponse("/agent/account?done=password", status_code=303)


routes = [
    Route("/agent/account", index, methods=["GET"]),
    Route("/agent/account/language", language, methods=["POST"]),
    Route("/agent/account/password", password, methods=["POST"]),
]
