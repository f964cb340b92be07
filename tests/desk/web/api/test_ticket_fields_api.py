"""Ticket custom fields over the API (issue 13): read with the ticket, written with PATCH (the
keys given set, null clears, the others stay), a bad value refused with 422 and a reason per
field, nothing changed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.tickets.fields import add_ticket_field
from desk.models import User

TICKETS = "/api/v1/tickets"
Auth = Callable[[User], dict[str, str]]


@pytest.fixture
def fields(session: Session) -> None:
    add_ticket_field(session, SYSTEM, "plan", "Plan", "choice", ["Starter", "Enterprise"])
    add_ticket_field(session, SYSTEM, "seats", "Seats", "number", [])
    add_ticket_field(session, SYSTEM, "order_ref", "Order reference", "text", [])


@pytest.mark.usefixtures("fields")
def test_fields_are_written_in_part_and_read_with_the_ticket(
    client: TestClient, make_user: Callable[..., User], auth: Auth, make_ticket: Callable[..., int],
) -> None:
    agent = make_user("agent")
    number = make_ticket()
    assert client.get(f"{TICKETS}/{number}", headers=auth(agent)).json()["fields"] == {}
    first = client.patch(f"{TICKETS}/{number}", headers=auth(agent),
                         json={"fields": {"plan": "Enterprise", "seats": "12"}})
    assert first.status_code == 200, first.text
    assert first.json()["fields"] == {"plan": "Enterprise", "seats": 12}
    second = client.patch(f"{TICKETS}/{number}", headers=auth(agent),
                          json={"fields": {"seats": None, "order_ref": "A-7"}})
    assert second.json()["fields"] == {"plan": "Enterprise", "order_ref": "A-7"}
    listed = client.get(TICKETS, headers=auth(agent)).json()["tickets"]
    assert [t["fields"] for t in listed if t["number"] == number] == [
        {"plan": "Enterprise", "order_ref": "A-7"}]


@pytest.mark.usefixtures("fields")
@pytest.mark.parametrize("given, reason", [
    ({"seats": "twelve"}, {"fields.seats": "not_a_number"}),
    ({"seats": True}, {"fields.seats": "not_a_number"}),
    ({"plan": "Gold"}, {"fields.plan": "invalid_choice"}),
    ({"order_ref": "x" * 1001}, {"fields.order_ref": "too_long"}),
    ({"order_ref": 7}, {"fields.order_ref": "invalid_value"}),
    ({"colour": "red"}, {"fields.colour": "unknown_field"}),
    (["plan"], {"fields": "invalid_value"}),
])
def test_a_bad_value_is_422_with_the_reason_and_changes_nothing(
    client: TestClient, make_user: Callable[..., User], auth: Auth, make_ticket: Callable[..., int],
    given: object, reason: dict[str, str],
) -> None:
    agent = make_user("agent")
    number = make_ticket()
    refused = client.patch(f"{TICKETS}/{number}", headers=auth(agent),
                           json={"priority": "high", "fields": given})
    assert refused.status_code == 422
    assert refused.json()["fields"] == reason
    after = client.get(f"{TICKETS}/{number}", headers=auth(agent)).json()
    assert (after["fields"], after["priority"]) == ({}, "normal")


@pytest.mark.usefixtures("fields")
def test_a_ticket_opened_through_the_api_takes_its_fields(
    client: TestClient, make_user: Callable[..., User], auth: Auth, ticket_count: Callable[[], int],
) -> None:
    agent = make_user("agent")
    request = {"customer": {"email": "dee@example.com"}, "subject": "New seats", "text": "Twelve more"}
    opened = client.post(TICKETS, headers=auth(agent), json={**request, "fields": {"seats": 12}})
    assert opened.status_code == 201, opened.text
    assert opened.json()["fields"] == {"seats": 12}
    before = ticket_count()
    refused = client.post(TICKETS, headers=auth(agent), json={**request, "fields": {"plan": "Gold"}})
    assert refused.status_code == 422 and refused.json()["fields"] == {"fields.plan": "invalid_choice"}
    assert ticket_count() == before
