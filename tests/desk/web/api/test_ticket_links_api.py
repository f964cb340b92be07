"""Merge, split and link over the API, answers held against openapi.json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from desk.models import User
from desk.web.api.openapi import DOCUMENT
from tests.desk.web.api.schema_check import problems

TICKETS = "/api/v1/tickets"
Auth = Callable[[User], dict[str, str]]


def _conforms(schema: str, value: Any) -> None:
    assert problems(DOCUMENT, {"$ref": f"#/components/schemas/{schema}"}, value) == []


def test_merge_moves_the_messages_and_refuses_another_customers_ticket(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    headers = auth(make_user("agent"))
    source = make_ticket("Printer on fire", text="Smoke everywhere")
    target = make_ticket("Printer still on fire")
    stranger = make_ticket("Scanner", email="dan@example.org")

    refused = client.post(f"{TICKETS}/{source}/merge", json={"into": stranger}, headers=headers)
    assert refused.status_code == 409 and "same customer" in refused.json()["error"]
    missing = client.post(f"{TICKETS}/{source}/merge", json={"into": 99999}, headers=headers)
    assert missing.status_code == 422 and missing.json()["fields"] == {"into": "not_found"}

    merged = client.post(f"{TICKETS}/{source}/merge", json={"into": target}, headers=headers)
    assert merged.status_code == 200
    _conforms("TicketDetail", merged.json())
    assert merged.json()["number"] == target
    assert "Smoke everywhere" in [m["text"] for m in merged.json()["messages"]]
    closed = client.get(f"{TICKETS}/{source}", headers=headers).json()
    assert (closed["status"], closed["merged_into"], closed["messages"]) == ("closed", target, [])
    again = client.post(f"{TICKETS}/{source}/merge", json={"into": target}, headers=headers)
    assert again.status_code == 409


def test_split_opens_a_ticket_with_the_message(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    headers = auth(make_user("agent"))
    number = make_ticket("Printer on fire")
    note = client.post(f"{TICKETS}/{number}/replies", json={"text": "Scanner too", "internal": True},
                       headers=headers).json()
    split = client.post(f"{TICKETS}/{number}/split",
                        json={"message_id": note["id"], "subject": "Scanner broken"}, headers=headers)
    assert split.status_code == 201
    _conforms("TicketDetail", split.json())
    assert split.json()["subject"] == "Scanner broken"
    assert [m["text"] for m in split.json()["messages"]] == ["Scanner too"]
    assert split.headers["location"].endswith(f"/tickets/{split.json()['number']}")
    first = client.get(f"{TICKETS}/{number}", headers=headers).json()["messages"][0]["id"]
    only = client.post(f"{TICKETS}/{number}/split", json={"message_id": first}, headers=headers)
    assert only.status_code == 409
    elsewhere = client.post(f"{TICKETS}/{number}/split", json={"message_id": note["id"]},
                            headers=headers)
    assert elsewhere.status_code == 422 and elsewhere.json()["fields"] == {"message_id": "not_found"}


def test_links_are_listed_on_both_tickets_and_removed(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    headers = auth(make_user("agent"))
    one, two = make_ticket("Printer"), make_ticket("Network", email="dan@example.org")
    linked = client.post(f"{TICKETS}/{one}/links", json={"number": two}, headers=headers)
    assert linked.status_code == 200
    _conforms("TicketLinks", linked.json())
    assert [t["number"] for t in linked.json()["links"]] == [two]
    back = client.get(f"{TICKETS}/{two}/links", headers=headers).json()
    assert [t["number"] for t in back["links"]] == [one]
    assert client.post(f"{TICKETS}/{one}/links", json={"number": one},
                       headers=headers).status_code == 409
    assert client.post(f"{TICKETS}/{one}/links", json={"number": "2"},
                       headers=headers).status_code == 422
    assert client.delete(f"{TICKETS}/{two}/links/{one}", headers=headers).status_code == 204
    assert client.get(f"{TICKETS}/{one}/links", headers=headers).json() == {"links": []}
    assert client.delete(f"{TICKETS}/{two}/links/{one}", headers=headers).status_code == 404
