"""Staff signing in: the password checked, and guessing made slow.

Wrong passwords are counted per account and per address over a window, in the database so
every `desk serve` process counts the same. Past a few free tries each further try must
wait, twice as long each time; while a wait runs the password is not even checked, so a
guesser neither learns anything nor costs the server an argon2 hash. Every failure is in
the audit log.

An account with a second factor (or whose role requires one) is not signed in by its
password: the caller asks for the code next (`desk.actions.two_factor`), and the failures
counted so far stay until that step passes, so knowing the password does not reset the
throttle for guessing codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from desk.actions.audit import Actor, record
from desk.actions.users import authenticate
from desk.db import commit
from desk.models import SignInFailure, User
from desk.models.base import now
from desk.queries.account_security import two_factor_required

WINDOW = timedelta(minutes=15)  # failures older than this are forgotten
ACCOUNT_FREE_TRIES = 5
ADDRESS_FREE_TRIES = 20  # one office behind one address has many people
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)


@dataclass(frozen=True)
class SignIn:
    user: User | None  # None: refused
    wait: timedelta = timedelta(0)  # refused without looking at the password, for this long
    # "code": the password was right, the second factor comes next; "enrol": likewise, but
    # the account must set up its second factor first (its role requires one).
    second_step: str = ""


def sign_in(session: Session, email: str, password: str, address: str) -> SignIn:
    """The account these credentials open, the sign-in audited and committed; or why not."""
    email = email.strip().lower()
    address = address[:64]
    wait = waiting_time(session, email, address)
    if wait > timedelta(0):
        return SignIn(None, wait)
    user = authenticate(session, email, password)
    if user is None:
        session.add(SignInFailure(email=email, address=address))
        record(session, Actor("visitor", None, address), "sign_in", 0, "failed",
               {"email": [None, email], "address": [None, address]})
        commit(session)
        return SignIn(None)
    step = _second_step(session, user)
    if step:
        record(session, Actor.of_user(user), "user", user.id or 0, "password_accepted",
               {"address": [None, address]})
        commit(session)
        return SignIn(user, second_step=step)
    session.execute(delete(SignInFailure).where(col(SignInFailure.email) == email))
    record(session, Actor.of_user(user), "user", user.id or 0, "signed_in",
           {"address": [None, address]})
    commit(session)
    return SignIn(user)


def _second_step(session: Session, user: User) -> str:
    if user.totp_enabled_at is not None:
        return "code"
    return "enrol" if two_factor_required(session, user.role) else ""


def waiting_time(session: Session, email: str, address: str) -> timedelta:
    """How long this account, or anyone from this address, must wait before the next try."""
    stamp = now()
    since = stamp - WINDOW
    waits = [timedelta(0)]
    for column, value, free in ((SignInFailure.email, email, ACCOUNT_FREE_TRIES),
                                (SignInFailure.address, address, ADDRESS_FREE_TRIES)):
        count, last = session.exec(select(func.count(), func.max(SignInFailure.at)).where(
            col(column) == value, col(SignInFailure.at) >= since)).one()
        if count >= free and last is not None:
            waits.append(_until(last, count - free) - stamp)
    return max(waits)


def _until(last: datetime, beyond: int) -> datetime:
    return last + min(FIRST_WAIT * 2 ** min(beyond, 20), LONGEST_WAIT)
