"""`desk token create|list|revoke`: tokens with scopes and an expiry from the shell."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from desk.cli.main import main
from desk.models import User

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
