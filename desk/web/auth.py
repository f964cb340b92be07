"""Staff sign-in, the session behind it, CSRF tokens and role checks."""

from __future__ import annotations

import asyncio
import hmac
import math
import secrets
import time
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.sign_in import SignIn, sign_in
from desk.actions.staff_sessions import end_session, session_user, start_session, token_hash
from desk.actions.users import sign_out_elsewhere
from desk.db import Database
from desk.i18n import _
from desk.models import Role, User
from desk.queries.users import live_sessions
from desk.settings import Settings
from desk.web.templating import render

ROLE_RANK = {Role.agent: 1, Role.supervisor: 2, Role.admin: 3}


class LoginRequired(Exception):
    """Raised by a staff page when nobody (or an expired session) is signed in."""


def db_of(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    request.scope["desk.csrf"] = token
    return str(token)


def check_csrf(request: Request, form: FormData) -> None:
    sent = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise HTTPException(
            403, _("The form has expired or did not come from Desk. Reload the page.")
        )


def staff(request: Request, role: str = Role.agent) -> User:
    """The signed-in staff member with at least ``role``; sets locale and CSRF for the page."""
    token = request.session.get("sid")
    if not isinstance(token, str):
        raise LoginRequired()
    settings: Settings = request.app.state.settings
    with db_of(request).session() as session:
        user = session_user(session, token, timedelta(seconds=settings.session_max_age))
    if user is None:
        request.session.clear()
        raise LoginRequired()
    request.scope["desk.user"] = user
    request.scope["desk.locale"] = user.locale
    csrf_token(request)
    if ROLE_RANK.get(Role(user.role), 0) < ROLE_RANK[Role(role)]:
        raise HTTPException(403, _("You do not have access to this page."))
    return user


async def login_redirect(request: Request, exc: Exception) -> Response:
    target = request.url.path
    return RedirectResponse(f"/agent/login?next={target}", status_code=303)


def _safe_next(value: Any) -> str:
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return value
    return "/agent/"


async def login_page(request: Request) -> Response:
    csrf_token(request)
    return render(request, "auth/login.html", next=_safe_next(request.query_params.get("next")),
                  email="", error=None)


async def login(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form)
    email = str(form.get("email", ""))[:320]
    password = str(form.get("password", ""))[:1000]
    target = _safe_next(form.get("next"))
    address = request.client.host if request.client else "unknown"
    # argon2 takes ~90 ms of CPU and memory: never in the event loop, which serves everyone,
    # and never more at once than PASSWORD_CHECKS, so a flood of guesses waits its turn here
    # instead of taking every worker thread, database connection and core from the others.
    async with _password_checks(request):
        outcome = await run_in_threadpool(_sign_in, db_of(request), email, password, address)
    user = outcome.user
    if outcome.wait:
        csrf_token(request)
        minutes = max(1, math.ceil(outcome.wait.total_seconds() / 60))
        page = render(request, "auth/login.html", status_code=429, next=target, email=email,
                      error=_("Too many failed sign-ins. Try again in %(minutes)s min."),
                      error_params={"minutes": minutes})
        page.headers["Retry-After"] = str(math.ceil(outcome.wait.total_seconds()))
        return page
    if user is None:
        csrf_token(request)
        return render(request, "auth/login.html", status_code=400, next=target, email=email,
                      error=_("Wrong email or password."))
    if outcome.second_step:
        # Not signed in yet: the browser holds (in its signed cookie) only who typed the right
        # password and when; the code page or the enrolment page comes next.
        request.session.clear()
        request.session["pending"] = {"user": user.id, "at": int(time.time()), "next": target,
                                      "step": outcome.second_step}
        csrf_token(request)
        return RedirectResponse(f"/agent/login/{outcome.second_step}", status_code=303)
    return signed_in(request, user, target)


PENDING_FOR = 300  # seconds between the password and the second step


def pending_user(request: Request, step: str) -> tuple[int, str] | None:
    """The account whose password was right moments ago and which must now pass ``step``,
    with the page to go to afterwards; None when there is none (or it waited too long)."""
    pending = request.session.get("pending")
    if not isinstance(pending, dict) or pending.get("step") != step:
        return None
    if not isinstance(pending.get("at"), int) or time.time() - pending["at"] > PENDING_FOR:
        return None
    user_id = pending.get("user")
    return (user_id, _safe_next(pending.get("next"))) if isinstance(user_id, int) else None


def signed_in(request: Request, user: User, target: str) -> Response:
    """Start the session of ``user`` in this browser and go to ``target``."""
    address = request.client.host if request.client else "unknown"
    with db_of(request).session() as session:
        sid = start_session(session, user, address, request.headers.get("user-agent", ""))
    request.session.clear()
    request.session["sid"] = sid
    csrf_token(request)
    return RedirectResponse(target, status_code=303)


PASSWORD_CHECKS = 2


def _password_checks(request: Request) -> asyncio.Semaphore:
    state = request.app.state
    if getattr(state, "password_checks", None) is None:
        state.password_checks = asyncio.Semaphore(PASSWORD_CHECKS)
    checks: asyncio.Semaphore = state.password_checks
    return checks


def _sign_in(db: Database, email: str, password: str, address: str) -> SignIn:
    with db.session() as session:
        return sign_in(session, email, password, address)


async def logout(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form)
    token = request.session.get("sid")
    if isinstance(token, str):
        with db_of(request).session() as session:
            end_session(session, token)
    request.session.clear()
    return RedirectResponse("/agent/login", status_code=303)


async def sessions_page(request: Request) -> Response:
    user = staff(request)
    current = token_hash(str(request.session.get("sid", "")))
    with db_of(request).session() as session:
        rows = live_sessions(session, user)
    return render(request, "auth/sessions.html", sessions=rows, current=current,
                  ended=request.query_params.get("ended"))


async def end_other_sessions(request: Request) -> Response:
    """Sign out everywhere else: every other browser of this account must sign in again."""
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        ended = sign_out_elsewhere(session, user, str(request.session.get("sid", "")))
    return RedirectResponse(f"/agent/sessions?ended={ended}", status_code=303)


routes = [
    Route("/agent/login", login_page, methods=["GET"]),
    Route("/agent/login", login, methods=["POST"]),
    Route("/agent/logout", logout, methods=["POST"]),
    Route("/agent/sessions", sessions_page, methods=["GET"]),
    Route("/agent/sessions/end-others", end_other_sessions, methods=["POST"]),
]
