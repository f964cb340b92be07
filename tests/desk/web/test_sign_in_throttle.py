"""Guessing passwords is slow: a few free tries per account and per address, then growing
waits during which even the right password is refused; every failure is audited."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions import sign_in as throttle
from desk.db import Database
from desk.models import AuditEntry, SignInFailure
from tests.conftest import PASSWORD, csrf_of


def _try(client: TestClient, email: str, password: str) -> int:
    token = csrf_of(client, "/agent/login")
    response = client.post("/agent/login", data={"email": email, "password": password,
                                                  "csrf_token": token}, follow_redirects=False)
    return response.status_code


def test_after_the_free_tries_even_the_right_password_waits(client: TestClient, db: Database,
                                                             make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("agent")
    answers = [_try(client, user.email, f"guess-{i}") for i in range(throttle.ACCOUNT_FREE_TRIES)]
    assert answers == [400] * throttle.ACCOUNT_FREE_TRIES
    token = csrf_of(client, "/agent/login")
    refused = client.post("/agent/login", data={"email": user.email, "password": PASSWORD,
                                                 "csrf_token": token})
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.text
    assert int(refused.headers["retry-after"]) > 0
    with db.session() as s:
        failures = s.exec(select(AuditEntry).where(AuditEntry.entity == "sign_in")).all()
        assert len(failures) == throttle.ACCOUNT_FREE_TRIES
        assert all(f.action == "failed" and f.changes["email"][1] == user.email for f in failures)
        # The wait is over: the right password opens the account and the count starts again.
        for row in s.exec(select(SignInFailure)):
            row.at = row.at - throttle.LONGEST_WAIT
            s.add(row)
        s.commit()
    assert _try(client, user.email, PASSWORD) == 303
    with db.session() as s:
        assert s.exec(select(SignInFailure).where(SignInFailure.email == user.email)).all() == []


def test_each_further_failure_doubles_the_wait() -> None:
    last = throttle.now()
    waits = [throttle._until(last, beyond) - last for beyond in range(7)]
    assert waits[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert waits[-1] == throttle.LONGEST_WAIT


def test_one_address_trying_many_accounts_is_slowed_too(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("agent")
    for i in range(throttle.ADDRESS_FREE_TRIES):
        assert _try(client, f"nobody{i}@desk.test", "guess") == 400
    assert _try(client, user.email, PASSWORD) == 429
