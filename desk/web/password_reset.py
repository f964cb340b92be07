"""Forgot your password: ask for a link by mail (the same answer for every address, known
or not), then set a new password from the link."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.password_resets import LIFETIME, complete_reset, request_reset, usable_reset
from desk.actions.staff import MAX_PASSWORD, MIN_PASSWORD, StaffError
from desk.db import Database
from desk.i18n import _
from desk.web.auth import check_csrf, csrf_token, db_of
from desk.web.templating import render

MINUTES = int(LIFETIME.total_seconds() // 60)


async def forgot_page(request: Request) -> Response:
    csrf_token(request)
    return render(request, "auth/forgot.html", sent=False, error=None, email="")


async def forgot(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form)
    email = str(form.get("email", "")).strip()[:320]
    address = request.client.host if request.client else "unknown"
    with db_of(request).session() as session:
        allowed = request_reset(session, email, address)
    if not allowed:
        page = render(request, "auth/forgot.html", status_code=429, sent=False, email=email,
                      error=_("Too many requests for a reset link. Try again in an hour."))
        page.headers["Retry-After"] = "3600"
        return page
    return render(request, "auth/forgot.html", sent=True, error=None, email=email,
                  minutes=MINUTES)


async def reset_page(request: Request) -> Response:
    csrf_token(request)
    token = request.query_params.get("token", "")[:200]
    with db_of(request).session() as session:
        usable = usable_reset(session, token) is not None
    return render(request, "auth/reset.html", status_code=200 if usable else 410, token=token,
                  usable=usable, error=None, min_password=MIN_PASSWORD)


def _complete(db: Database, token: str, password: str, repeat: str, address: str) -> None:
    with db.session() as session:
        complete_reset(session, token, password, repeat, address)


async def reset(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form)
    token = str(form.get("token", ""))[:200]
    password = str(form.get("new_password", ""))[:MAX_PASSWORD + 1]
    repeat = str(form.get("repeat_password", ""))[:MAX_PASSWORD + 1]
    address = request.client.host if request.client else "unknown"
    try:
        # argon2 hashes the new password: never in the event loop.
        await run_in_threadpool(_complete, db_of(request), token, password, repeat, address)
    except StaffError as exc:
        usable = exc.field != "token"
        return render(request, "auth/reset.html", status_code=400 if usable else 410, token=token,
                      usable=usable, error=exc, min_password=MIN_PASSWORD)
    request.session.clear()
    return RedirectResponse("/agent/login?reset=done", status_code=303)


routes = [
    Route("/agent/forgot", forgot_page, methods=["GET"]),
    Route("/agent/forgot", forgot, methods=["POST"]),
    Route("/agent/password-reset", reset_page, methods=["GET"]),
    Route("/agent/password-reset", reset, methods=["POST"]),
]
