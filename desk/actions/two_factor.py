"""The TOTP second factor: enrolment (a secret shown once, confirmed with a code), ten
single-use recovery codes, the code asked for after the password, and an admin's reset.

A code is taken at most once: the account keeps the last time step it took, and a code
for that step or an earlier one is refused (set with one conditional UPDATE, so two
requests with the same code cannot both pass). Wrong codes count as sign-in failures of
the account and the address, so the sign-in throttle slows code guessing as it slows
password guessing; failures are cleared only when the second factor passes."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, update
from sqlmodel import Session, col

from desk.actions.audit import Actor, record
from desk.actions.input_errors import InputError
from desk.actions.sign_in import SignIn, waiting_time
from desk.actions.staff_sessions import end_all_sessions
from desk.db import commit, committed
from desk.i18n import _
from desk.models import RecoveryCode, SignInFailure, TwoFactorRule, User
from desk.models.base import now
from desk.queries.account_security import members_without_second_factor
from desk.secrets import SecretError, decrypt, encrypt
from desk.totp import matching_step, new_secret

RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class TwoFactorError(InputError):
    """A second-factor request that cannot be done; ``field`` names the form field."""


def _code_hash(code: str) -> str:
    return hashlib.sha256(normal_code(code).encode()).hexdigest()


def normal_code(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def secret_of(secret_key: str, user: User) -> str:
    """The account's TOTP secret in clear ("" when none was set)."""
    return decrypt(secret_key, user.totp_secret)


def begin_enrolment(session: Session, secret_key: str, user: User) -> str:
    """A new secret for ``user`` to put in their app (kept, not yet in force), or the one
    made earlier while it waits for confirmation. Returns it. Commits."""
    if user.totp_enabled_at is not None:
        raise TwoFactorError("code", _("Two-step sign-in is on already."))
    if user.totp_secret:
        try:
            return secret_of(secret_key, user)
        except SecretError:
            pass  # DESK_SECRET_KEY changed since: a new key for the app
    secret = new_secret()
    user.totp_secret = encrypt(secret_key, secret)
    session.add(user)
    commit(session)
    return secret


def confirm_enrolment(session: Session, secret_key: str, user: User, code: str) -> list[str]:
    """The code from the app proves it holds the secret: two-step sign-in is on. Returns
    the recovery codes, to show once. Commits."""
    if user.totp_enabled_at is not None or not user.totp_secret:
        raise TwoFactorError("code", _("Start again: set up two-step sign-in first."))
    step = matching_step(secret_of(secret_key, user), code, user.totp_last_step)
    if step is None:
        raise TwoFactorError("code", _("That code is not right. Check the time on your phone and "
                                       "try the newest code."))
    with committed(session):
        user.totp_enabled_at = now()
        user.totp_last_step = step
        session.add(user)
        codes = _replace_recovery_codes(session, user)
        record(session, Actor.of_user(user), "user", user.id or 0, "two_factor_enabled")
    return codes


def renew_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten new recovery codes (the old ones stop working); returns them. Commits."""
    with committed(session):
        codes = _replace_recovery_codes(session, user)
        record(session, Actor.of_user(user), "user", user.id or 0, "recovery_codes_renewed")
    return codes


def _replace_recovery_codes(session: Session, user: User) -> list[str]:
    assert user.id is not None
    session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(c)) for c in codes)
    return codes


def turn_off(session: Session, actor: Actor, user: User) -> None:
    """Two-step sign-in off for ``user`` (themselves, or an admin's reset: they enrol again
    when their role requires it); secret and recovery codes gone. Commits."""
    with committed(session):
        was_on = user.totp_enabled_at is not None
        user.totp_secret = ""
        user.totp_enabled_at = None
        session.add(user)
        session.execute(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
        if was_on:
            action = "two_factor_disabled" if actor.id == user.id else "two_factor_reset"
            record(session, actor, "user", user.id or 0, action)


def check_second_factor(session: Session, secret_key: str, user: User, code: str,
                        address: str) -> SignIn:
    """The second step of signing in: a code from the app, or an unused recovery code.
    Throttled with the password step; audited; commits."""
    address = address[:64]
    wait = waiting_time(session, user.email, address)
    if wait.total_seconds() > 0:
        return SignIn(None, wait)
    how = _take_code(session, secret_key, user, code)
    if how is None:
        session.add(SignInFailure(email=user.email, address=address))
        record(session, Actor("visitor", None, address), "sign_in", 0, "failed",
               {"email": [None, user.email], "address": [None, address], "step": [None, "code"]})
        commit(session)
        return SignIn(None)
    session.execute(delete(SignInFailure).where(col(SignInFailure.email) == user.email))
    record(session, Actor.of_user(user), "user", user.id or 0, "signed_in",
           {"address": [None, address], "second_factor": [None, how]})
    commit(session)
    return SignIn(user)


def code_confirms(session: Session, secret_key: str, user: User, code: str, address: str) -> bool:
    """Whether ``code`` is the app's current code, asked before the second factor is changed
    (new recovery codes, turning it off), so a browser left signed in is not enough. The code
    just used to sign in still counts. Wrong codes count with the sign-in throttle, and while
    it waits nothing is checked. Commits."""
    address = address[:64]
    if user.totp_enabled_at is None or waiting_time(session, user.email, address).total_seconds() > 0:
        return False
    try:
        step = matching_step(secret_of(secret_key, user), code, user.totp_last_step - 1)
    except SecretError:
        step = None
    taken = step is not None
    if not taken:
        session.add(SignInFailure(email=user.email, address=address))
        record(session, Actor.of_user(user), "user", user.id or 0, "second_factor_refused",
               {"address": [None, address]})
    commit(session)
    return taken


def _take_code(session: Session, secret_key: str, user: User, code: str) -> str | None:
    """"app" or "recovery code" when ``code`` is good and now used up, else None."""
    if user.totp_enabled_at is None:
        return None  # reset since the password step: start again
    try:
        secret = secret_of(secret_key, user)
    except SecretError:
        secret = ""  # DESK_SECRET_KEY changed: only recovery codes still work
    step = matching_step(secret, code, user.totp_last_step) if secret else None
    if step is not None:
        taken = session.execute(update(User).where(
            col(User.id) == user.id, col(User.totp_last_step) < step)
            .values(totp_last_step=step)).rowcount  # type: ignore[attr-defined]
        return "app" if taken else None
    if len(normal_code(code)) != 10:
        return None
    used = session.execute(update(RecoveryCode).where(
        col(RecoveryCode.user_id) == user.id, col(RecoveryCode.code_hash) == _code_hash(code),
        col(RecoveryCode.used_at).is_(None)).values(used_at=now())).rowcount  # type: ignore[attr-defined]
    return "recovery code" if used else None


def require_for_roles(session: Session, actor: Actor, required: dict[str, bool],
                      keep: str = "") -> None:
    """Whether each role must sign in with a second factor; changes audited. Members of a
    role newly required who have not set one up are signed out (but the session of token
    ``keep``, the admin's own browser), so each is asked to set it up at the next sign-in
    rather than whenever they happen to sign in again. Commits."""
    with committed(session):
        for role, value in required.items():
            rule = session.get(TwoFactorRule, role)
            before = bool(rule and rule.required)
            if before == value:
                continue
            session.add(TwoFactorRule(role=role, required=value) if rule is None else rule)
            if rule is not None:
                rule.required = value
            record(session, actor, "setting", 0, "updated",
                   {f"two_factor_required.{role}": [before, value]})
            if value:
                for member in members_without_second_factor(session, role):
                    end_all_sessions(session, actor, member, keep=keep)
