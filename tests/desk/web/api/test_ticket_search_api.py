"""GET /api/v1/tickets?q=: search over the API, with the queue's filters; any text is a
query that answers 200."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from desk.models import User
from tests.desk.queries.test_ticket_search import HOSTILE

TICKETS = "/api/v1/tickets"
Auth = Callable[[User], dict[str, str]]


def test_q_finds_tickets_and_combines_with_filters(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    headers = auth(make_user("admin"))
    jam = make_ticket("Paper jam", text="Tray two, order ORD-881.")
    pending = make_ticket("Another jam", status="pending")
    make_ticket("Invoice", text="发票抬头需要修改")

    def found(**params: str) -> list[int]:
        response = client.get(TICKETS, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [t["number"] for t in response.json()["tickets"]]

    assert found(q="jam") == [pending, jam]
    assert found(q="jam", status="pending") == [pending]
    assert found(q="ord-881") == [jam]
    assert len(found(q="抬头")) == 1
    assert found(q="发票 jam") == []


@pytest.mark.parametrize("q", [h for h in HOSTILE if len(h) < 5000] + ["x" * 10_240])
def test_hostile_queries_are_never_an_error(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int], q: str,
) -> None:
    headers = auth(make_user("admin"))
    make_ticket("Printer refund", text="1=1 NEAR the printer")
    response = client.get(TICKETS, params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["tickets"], list)
