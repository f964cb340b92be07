"""POST /api/v1/tickets/{number}/replies: public replies go to the outbox, notes never do."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from desk.db import Database
from desk.models import OutboundKind, OutboundMessage, User
from desk.queries.tickets.queue import ticket_history

TICKETS = "/api/v1/tickets"
Auth = Callable[[User], dict[str, str]]


def replies_queued(db: Database, number: int) -> list[OutboundMessage]:
    with db.session() as s:
        query = select(OutboundMessage).where(OutboundMessage.ticket_id == number,
                                              OutboundMessage.kind == OutboundKind.reply)
        return list(s.exec(query))


def test_a_public_reply_is_outbound_and_queued_for_the_customer(
    client: TestClient, db: Database, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    agent = make_user("agent", name="Ana Agent")
    number = make_ticket()
    response = client.post(f"{TICKETS}/{number}/replies", json={"text": "Try turning it off."},
                           headers=auth(agent))
    assert response.status_code == 201, response.text
    message = response.json()
    assert message["direction"] == "outbound"
    assert message["author"] == {"type": "agent", "id": agent.id, "name": "Ana Agent"}
    assert message["text"] == "Try turning it off."
    assert message["attachments"] == []
    [queued] = replies_queued(db, number)
    assert queued.to_address == "cleo@example.com"
    assert queued.rfc_message_id == message["message_id"]
    with db.session() as s:
        last = ticket_history(s, number)[-1]
    assert (last.actor_type, last.action) == ("api", "replied")


def test_an_internal_note_is_internal_and_never_queued(
    client: TestClient, db: Database, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    number = make_ticket()
    headers = auth(make_user("agent"))
    response = client.post(f"{TICKETS}/{number}/replies",
                           json={"text": "Customer is on the old plan.", "internal": True},
                           headers=headers)
    assert response.status_code == 201
    assert response.json()["direction"] == "internal"
    assert replies_queued(db, number) == []
    ticket = client.get(f"{TICKETS}/{number}", headers=headers).json()
    assert ticket["status"] == "new"  # a note is not a first response
    assert ticket["first_response_at"] is None
    assert [m["direction"] for m in ticket["messages"]] == ["inbound", "internal"]


@pytest.mark.parametrize(("body", "fields"), [
    ({}, {"text": "required"}),
    ({"text": "  "}, {"text": "required"}),
    ({"text": 5}, {"text": "not_a_string"}),
    ({"text": "x" * 50_001}, {"text": "too_long"}),
    ({"text": "hi", "internal": "yes"}, {"internal": "not_a_boolean"}),
    ({"text": "hi", "cc": "boss@example.com"}, {"cc": "unknown_field"}),
])
def test_unusable_replies_are_422_and_nothing_is_added(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int], body: dict[str, object], fields: dict[str, str],
) -> None:
    number = make_ticket()
    headers = auth(make_user("agent"))
    response = client.post(f"{TICKETS}/{number}/replies", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json() == {"error": "invalid input", "fields": fields}
    assert len(client.get(f"{TICKETS}/{number}", headers=headers).json()["messages"]) == 1


def test_replying_to_a_missing_ticket_is_404(client: TestClient, make_user: Callable[..., User],
                                             auth: Auth) -> None:
    response = client.post(f"{TICKETS}/77/replies", json={"text": "hello?"},
                           headers=auth(make_user("admin")))
    assert response.status_code == 404
    assert response.json() == {"error": "not found"}
