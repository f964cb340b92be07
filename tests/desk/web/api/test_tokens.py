"""Who may call the API: a live Bearer token of an active user, nothing else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.users import revoke_token, token_hash
from desk.db import Database, commit
from desk.models import ApiToken, User

TICKETS = "/api/v1/tickets"


def test_a_live_token_lists_tickets(client: TestClient, make_user: Callable[..., User],
                                    auth: Callable[[User], dict[str, str]]) -> None:
    response = client.get(TICKETS, headers=auth(make_user("agent")))
    assert response.status_code == 200
    assert response.json()["tickets"] == []


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwdw==",
                                    "Token desk_abc"])
def test_requests_without_a_bearer_token_get_401_with_a_challenge(
    client: TestClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = client.get(TICKETS, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "missing bearer token"}
    assert response.headers["www-authenticate"] == 'Bearer realm="desk"'


@pytest.mark.parametrize("token", ["desk_not-a-real-token", "x" * 5000])
def test_unknown_tokens_get_401_invalid_token(client: TestClient, token: str) -> None:
    response = client.get(TICKETS, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json() == {"error": "invalid or revoked token"}
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_revoked_token_is_refused(client: TestClient, db: Database,
                                    make_user: Callable[..., User],
                                    token_for: Callable[[User], str]) -> None:
    token = token_for(make_user("admin"))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(TICKETS, headers=headers).status_code == 200
    with db.session() as s:
        row = s.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).one()
        revoke_token(s, SYSTEM, row)
        commit(s)
    response = client.get(TICKETS, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid or revoked token"


def test_the_token_of_a_deactivated_user_is_refused(
    client: TestClient, db: Database, make_user: Callable[..., User],
    auth: Callable[[User], dict[str, str]],
) -> None:
    user = make_user("admin")
    headers = auth(user)
    with db.session() as s:
        # No action deactivates staff yet; flip the flag the way one would.
        row = s.get(User, user.id)
        assert row is not None
        row.is_active = False
        s.add(row)
        commit(s)
    assert client.get(TICKETS, headers=headers).status_code == 401


def test_only_the_hash_of_a_token_is_stored(db: Database, make_user: Callable[..., User],
                                            token_for: Callable[[User], str]) -> None:
    token = token_for(make_user("agent"))
    with db.session() as s:
        stored = [row.token_hash for row in s.exec(select(ApiToken))]
    assert stored == [token_hash(token)]
    assert token not in stored


def test_writes_without_a_token_are_refused_before_the_body_is_read(client: TestClient) -> None:
    response = client.post(TICKETS, content=b"{not json")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_openapi_document_needs_no_token(client: TestClient) -> None:
    assert client.get("/api/v1/openapi.json").status_code == 200
