"""The sign-in parts of My account: two-step sign-in (set up, new recovery codes, turn off),
API tokens (made and shown once, revoked) and signed-in browsers (sign one out)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.api_tokens import TokenError, make_token, revoke_own_token
from desk.actions.audit import Actor
from desk.actions.staff_sessions import end_one_session
from desk.actions.two_factor import (
    TwoFactorError,
    begin_enrolment,
    code_confirms,
    confirm_enrolment,
    renew_recovery_codes,
    turn_off,
)
from desk.i18n import _
from desk.models import User
from desk.queries.account_security import get_token, two_factor_required
from desk.queries.users import get_user
from desk.web.account import account_page
from desk.web.auth import check_csrf, db_of, staff
from desk.web.sign_in_steps import enrolment_page, secret_key_of
from desk.web.templating import render


def _fresh(request: Request, user: User) -> User:
    with db_of(request).session() as session:
        fresh = get_user(session, user.id or 0)
    assert fresh is not None
    return fresh


async def enrol_page(request: Request) -> Response:
    user = staff(request)
    with db_of(request).session() as session:
        fresh = get_user(session, user.id or 0)
        assert fresh is not None
        if fresh.totp_enabled_at is not None:
            return RedirectResponse("/agent/account#two-factor", status_code=303)
        secret = begin_enrolment(session, secret_key_of(request), fresh)
    return enrolment_page(request, "auth/account_enrol.html", fresh, secret)


async def enrol(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    key = secret_key_of(request)
    with db_of(request).session() as session:
        fresh = get_user(session, user.id or 0)
        assert fresh is not None
        try:
            codes = confirm_enrolment(session, key, fresh, str(form.get("code", ""))[:40])
        except TwoFactorError as exc:
            if fresh.totp_enabled_at is not None or not fresh.totp_secret:
                return RedirectResponse("/agent/account/two-factor", status_code=303)
            return enrolment_page(request, "auth/account_enrol.html", fresh,
                                  begin_enrolment(session, key, fresh), exc)
    return render(request, "auth/recovery_codes.html", codes=codes, enabled=True,
                  next="/agent/account#two-factor")


def _code_is_current(request: Request, user: User, code: str) -> bool:
    address = request.client.host if request.client else "unknown"
    with db_of(request).session() as session:
        return code_confirms(session, secret_key_of(request), user, code[:40], address)


async def recovery_codes(request: Request) -> Response:
    user = _fresh(request, staff(request))
    form = await request.form()
    check_csrf(request, form)
    if not _code_is_current(request, user, str(form.get("code", ""))):
        return account_page(request, user, TwoFactorError("code", _("That code is not right.")))
    with db_of(request).session() as session:
        codes = renew_recovery_codes(session, user)
    return render(request, "auth/recovery_codes.html", codes=codes, enabled=False,
                  next="/agent/account#two-factor")


async def disable(request: Request) -> Response:
    user = _fresh(request, staff(request))
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        required = two_factor_required(session, user.role)
    if required:
        return account_page(request, user, TwoFactorError(
            "code", _("Your role requires two-step sign-in: it cannot be turned off.")))
    if not _code_is_current(request, user, str(form.get("code", ""))):
        return account_page(request, user, TwoFactorError("code", _("That code is not right.")))
    with db_of(request).session() as session:
        turn_off(session, Actor.of_user(user), user)
    return RedirectResponse("/agent/account?done=two_factor_off#two-factor", status_code=303)


def _expiry(value: str) -> datetime | None:
    """The end of the day chosen (UTC), None for "never"; raises TokenError when unreadable."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        raise TokenError("expires", _("Choose a date in the future.")) from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


async def create_token(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    try:
        expires = _expiry(str(form.get("expires", "")).strip())
        with db_of(request).session() as session:
            row, token = make_token(session, Actor.of_user(user), user,
                                    str(form.get("name", ""))[:200],
                                    [str(s)[:40] for s in form.getlist("scopes")][:20], expires)
    except TokenError as exc:
        return account_page(request, user, exc)
    return render(request, "auth/token_created.html", token=token, row=row)


async def revoke_token(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        token = get_token(session, request.path_params["token_id"])
        if token is not None:
            revoke_own_token(session, user, token)
    return RedirectResponse("/agent/account?done=token_revoked#tokens", status_code=303)


async def end_session(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        end_one_session(session, user, request.path_params["session_id"])
    return RedirectResponse("/agent/account?done=session_ended#sessions", status_code=303)


routes = [
    Route("/agent/account/two-factor", enrol_page, methods=["GET"]),
    Route("/agent/account/two-factor", enrol, methods=["POST"]),
    Route("/agent/account/two-factor/recovery-codes", recovery_codes, methods=["POST"]),
    Route("/agent/account/two-factor/off", disable, methods=["POST"]),
    Route("/agent/account/tokens", create_token, methods=["POST"]),
    Route("/agent/account/tokens/{token_id:id}/revoke", revoke_token, methods=["POST"]),
    Route("/agent/sessions/{session_id:id}/end", end_session, methods=["POST"]),
]
