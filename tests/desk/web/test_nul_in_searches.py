"""A NUL character typed or pasted into any search box or filter is an answer, never a server
error (PostgreSQL refuses NUL in text: a value that reaches a query unchecked is a 500 there)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.users import create_token
from desk.db import Database, commit
from tests.conftest import sign_in

PAGES = ("/agent/?q=a%00b", "/agent/?customer=a%00b", "/agent/?tag=a%00b",
         "/agent/customers?q=a%00b", "/agent/customers?tag=a%00b", "/agent/organizations?q=a%00b",
         "/agent/kb/?q=a%00b", "/agent/kb/?category=a%00b", "/help/search?q=a%00b",
         "/help/suggest?q=a%00b", "/requests/new?q=a%00b", "/help/categories/a%00b")
API = ("/api/v1/tickets?customer=a%00b", "/api/v1/tickets?tag=a%00b", "/api/v1/customers?q=a%00b",
       "/api/v1/customers?tag=a%00b", "/api/v1/organizations?q=a%00b", "/api/v1/kb/search?q=a%00b",
       "/api/v1/kb/articles?category=a%00b", "/api/v1/quarantine?mailbox=a%00b")


@pytest.fixture
def supervisor(client: TestClient, make_user) -> TestClient:  # type: ignore[no-untyped-def]
    return sign_in(client, make_user("supervisor"))


@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_a_nul_without_an_error(supervisor: TestClient, path: str) -> None:
    assert supervisor.get(path).status_code < 500, path


@pytest.mark.parametrize("path", API)
def test_the_api_answers_a_nul_with_200_or_a_4xx(client: TestClient, db: Database, make_user,  # type: ignore[no-untyped-def]
                                                  path: str) -> None:
    with db.session() as s:
        token = create_token(s, SYSTEM, make_user("admin"), name="t")
        commit(s)
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500 and response.headers["content-type"].startswith("application/json")
