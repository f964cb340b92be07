"""`desk token create|list|revoke`: tokens with scopes and an expiry from the shell; `desk
user two-factor-off`: the way back in after a lost phone."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from desk.actions.two_factor import begin_enrolment, confirm_enrolment
from desk.cli.main import main
from desk.db import Database
from desk.models import User
from desk.totp import code_at, step_at
from tests.conftest import PASSWORD, csrf_of

pytestmark = pytest.mark.usefixtures("cli_env")


def test_create_list_and_revoke_a_scoped_token(client: TestClient, make_user: Callable[..., User],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    user = make_user("admin")
    assert main(["token", "create", user.email, "--name", "crm", "--scope", "tickets:read,customers:read",
                 "--days", "30"]) == 0
    token = capsys.readouterr().out.strip()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200
    assert client.post("/api/v1/tickets", json={}, headers=headers).status_code == 403

    assert main(["token", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    row = next(line for line in listed if "crm" in line).split("\t")
    assert row[1] == user.email and row[3] == "tickets:read,customers:read"
    assert row[5] != "-"  # last used: just now
    assert row[6] != "-" and row[7] == "active"  # expires in 30 days

    assert main(["token", "revoke", row[0]]) == 0
    assert client.get("/api/v1/tickets", headers=headers).status_code == 401
    assert main(["token", "list"]) == 0
    assert "revoked" in next(line for line in capsys.readouterr().out.splitlines() if "crm" in line)


def test_an_unknown_scope_is_refused_with_the_list_of_scopes(
    make_user: Callable[..., User], capsys: pytest.CaptureFixture[str],
) -> None:
    user = make_user("agent")
    assert main(["token", "create", user.email, "--scope", "tickets:delete"]) == 1
    err = capsys.readouterr().err
    assert "tickets:delete" in err and "reports:read" in err


def test_an_admin_locked_out_by_a_lost_phone_gets_back_in_from_the_shell(
    client: TestClient, db: Database, make_user: Callable[..., User],
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = make_user("admin")
    with db.session() as s:
        fresh = s.get(User, user.id)
        assert fresh is not None
        secret = begin_enrolment(s, "test-secret", fresh)
        confirm_enrolment(s, "test-secret", fresh, code_at(secret, step_at(time.time())))
    assert _password_step(client, user) == "/agent/login/code"
    assert main(["user", "two-factor-off", user.email]) == 0
    assert "two-step sign-in reset" in capsys.readouterr().out
    assert _password_step(client, user) == "/agent/"


def _password_step(client: TestClient, user: User) -> str:
    token = csrf_of(client, "/agent/login")
    answer = client.post("/agent/login", data={"email": user.email, "password": PASSWORD,
                                                "csrf_token": token, "next": "/agent/"},
                         follow_redirects=False)
    return str(answer.headers["location"])
