"""The second step of signing in: the code from the authenticator app (or a recovery code)
after the password, or, for a role that requires a second factor, setting one up first."""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.two_factor import (
    TwoFactorError,
    begin_enrolment,
    check_second_factor,
    confirm_enrolment,
)
from desk.i18n import _
from desk.models import User
from desk.queries.users import get_user
from desk.settings import Settings
from desk.totp import grouped, provisioning_uri
from desk.web.auth import check_csrf, csrf_token, db_of, pending_user, signed_in
from desk.web.templating import render

ISSUER = "Desk"


def secret_key_of(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return str(settings.secret_key)


def _pending(request: Request, step: str) -> tuple[User, str] | None:
    found = pending_user(request, step)
    if found is None:
        return None
    with db_of(request).session() as session:
        user = get_user(session, found[0])
    return (user, found[1]) if user is not None and user.is_active else None


def _start_again() -> Response:
    return RedirectResponse("/agent/login", status_code=303)


async def code_page(request: Request) -> Response:
    if _pending(request, "code") is None:
        return _start_again()
    csrf_token(request)
    return render(request, "auth/login_code.html", error=None)


async def code(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form)
    pending = _pending(request, "code")
    if pending is None:
        return _start_again()
    user, target = pending
    address = request.client.host if request.client else "unknown"
    with db_of(request).session() as session:
        fresh = get_user(session, user.id or 0)
        assert fresh is not None
        outcome = check_second_factor(session, secret_key_of(request), fresh,
                                      str(form.get("code", ""))[:40], address)
    if outcome.wait:
        minutes = max(1, math.ceil(outcome.wait.total_seconds() / 60))
        page = render(request, "auth/login_code.html", status_code=429,
                      error=_("Too many failed sign-ins. Try again in %(minutes)s min."),
                      error_params={"minutes": minutes})
        page.headers["Retry-After"] = str(math.ceil(outcome.wait.total_seconds()))
        return page
    if outcome.user is None:
        return render(request, "auth/login_code.html", status_code=400,
                      error=_("That code is not right, or was used already."))
    return signed_in(request, outcome.user, target)


def enrolment_page(request: Request, template: str, user: User, secret: str,
                   error: TwoFactorError | None = None) -> Response:
    """A page setting up the second factor: the key as text and as an otpauth:// address."""
    return render(request, template, status_code=400 if error else 200, secret=grouped(secret),
                  uri=provisioning_uri(secret, user.email, ISSUER), error=error)


async def enrol_page(request: Request) -> Response:
    pending = _pending(request, "enrol")
    if pending is None:
        return _start_again()
    csrf_token(request)
    with db_of(request).session() as session:
        fresh = get_user(session, pending[0].id or 0)
        assert fresh is not None
        if fresh.totp_enabled_at is not None:
            return _start_again()
        secret = begin_enrolment(session, secret_key_of(request), fresh)
    return enrolment_page(request, "auth/login_enrol.html", fresh, secret)


async def enrol(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form)
    pending = _pending(request, "enrol")
    if pending is None:
        return _start_again()
    user, target = pending
    key = secret_key_of(request)
    with db_of(request).session() as session:
        fresh = get_user(session, user.id or 0)
        assert fresh is not None
        try:
            codes = confirm_enrolment(session, key, fresh, str(form.get("code", ""))[:40])
        except TwoFactorError as exc:
            if not fresh.totp_secret:
                return _start_again()
            return enrolment_page(request, "auth/login_enrol.html", fresh,
                                  begin_enrolment(session, key, fresh), exc)
    response = signed_in(request, fresh, target)
    # Shown once, on the page that follows: the codes are never stored in clear.
    return render(request, "auth/recovery_codes.html", codes=codes, enabled=True,
                  next=response.headers["location"])


routes = [
    Route("/agent/login/code", code_page, methods=["GET"]),
    Route("/agent/login/code", code, methods=["POST"]),
    Route("/agent/login/enrol", enrol_page, methods=["GET"]),
    Route("/agent/login/enrol", enrol, methods=["POST"]),
]
