"""One ticket over the API, and opening tickets through the API channel."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import pytest
from starlette.testclient import TestClient

from channels.message import InboundAttachment
from desk.db import Database
from desk.models import User
from desk.queries.tickets.queue import ticket_history

TICKETS = "/api/v1/tickets"
Auth = Callable[[User], dict[str, str]]
MISSING = object()
NEW = {"customer": {"email": "Eve@Example.com", "name": "Eve Example"},
       "subject": "Cannot log in", "text": "The password reset mail never comes."}


def test_a_ticket_comes_with_customer_and_whole_conversation(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    agent = make_user("agent", name="Ana Agent")
    number = make_ticket(
        "Scanner broken", text="It beeps.", html="<p>It <b>beeps</b>.</p>",
        attachments=(InboundAttachment("beep 声音.mp3", "audio/mpeg", b"ID3" + b"\0" * 97),),
    )
    headers = auth(agent)
    client.post(f"{TICKETS}/{number}/replies", json={"text": "Unplug it."}, headers=headers)
    client.post(f"{TICKETS}/{number}/replies", json={"text": "Known issue", "internal": True},
                headers=headers)
    response = client.get(f"{TICKETS}/{number}", headers=headers)
    assert response.status_code == 200
    ticket = response.json()
    assert ticket["number"] == number and ticket["subject"] == "Scanner broken"
    assert ticket["customer"]["email"] == "cleo@example.com"
    assert ticket["status"] == "open"  # the public reply opened it
    first, reply, note = ticket["messages"]
    assert first["direction"] == "inbound"
    assert first["author"] == {"type": "customer", "id": ticket["customer"]["id"],
                               "name": "Cleo Customer"}
    assert first["html"] == "<p>It <b>beeps</b>.</p>"
    assert first["message_id"].endswith("@mail.example>")
    [attachment] = first["attachments"]
    assert attachment["filename"] == "beep 声音.mp3"
    assert (attachment["content_type"], attachment["size"]) == ("audio/mpeg", 100)
    assert datetime.fromisoformat(first["created_at"]).utcoffset() is not None
    assert (reply["direction"], reply["text"]) == ("outbound", "Unplug it.")
    assert (note["direction"], note["text"]) == ("internal", "Known issue")
    assert note["author"] == {"type": "agent", "id": agent.id, "name": "Ana Agent"}


def test_a_missing_ticket_is_404_json(client: TestClient, make_user: Callable[..., User],
                                      auth: Auth) -> None:
    for path in (f"{TICKETS}/999", f"{TICKETS}/99999999999999999999"):
        response = client.get(path, headers=auth(make_user("admin")))
        assert response.status_code == 404
        assert response.json() == {"error": "not found"}


def test_an_agent_gets_403_for_another_teams_ticket_a_supervisor_sees_it(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int], join_team: Callable[[User | None, str], int],
) -> None:
    agent = make_user("agent")
    join_team(agent, "Support")
    number = make_ticket("Billing only", team_id=join_team(None, "Billing"))
    for method, path, body in [("GET", "", None), ("PATCH", "", {"status": "solved"}),
                               ("POST", "/replies", {"text": "sneaky"})]:
        response = client.request(method, f"{TICKETS}/{number}{path}", json=body,
                                  headers=auth(agent))
        assert response.status_code == 403
        assert response.json() == {"error": "forbidden"}
    supervisor = client.get(f"{TICKETS}/{number}", headers=auth(make_user("supervisor")))
    assert supervisor.status_code == 200
    assert supervisor.json()["status"] == "new"
    assert len(supervisor.json()["messages"]) == 1


def test_a_ticket_opened_through_the_api_can_be_fetched(
    client: TestClient, db: Database, make_user: Callable[..., User], auth: Auth,
) -> None:
    headers = auth(make_user("agent"))
    body = {**NEW, "priority": "high", "tags": ["Login", "mobile"]}
    response = client.post(TICKETS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"http://testserver{TICKETS}/{created['number']}"
    assert (created["channel"], created["priority"], created["tags"]) == (
        "api", "high", ["login", "mobile"])
    fetched = client.get(response.headers["location"], headers=headers).json()
    assert fetched == created
    assert fetched["customer"]["email"] == "eve@example.com"
    [message] = fetched["messages"]
    assert message["direction"] == "inbound"
    assert message["text"] == NEW["text"]
    with db.session() as s:
        history = ticket_history(s, created["number"])
    assert [(h.actor_type, h.action) for h in history] == [("customer", "created"),
                                                           ("api", "updated")]


@pytest.mark.parametrize(("change", "fields"), [
    ({"subject": MISSING}, {"subject": "required"}),
    ({"subject": None}, {"subject": "required"}),
    ({"subject": "   "}, {"subject": "required"}),
    ({"subject": 42}, {"subject": "not_a_string"}),
    ({"subject": "x" * 301}, {"subject": "too_long"}),
    ({"subject": "\x00"}, {"subject": "required"}),
    ({"subject": "bad \ud800 half"}, {"subject": "invalid_characters"}),
    ({"text": ["a"]}, {"text": "not_a_string"}),
    ({"customer": MISSING}, {"customer": "required"}),
    ({"customer": None}, {"customer": "required"}),
    ({"customer": "eve@example.com"}, {"customer": "not_an_object"}),
    ({"customer": {"name": "Eve"}}, {"customer.email": "required"}),
    ({"customer": {"email": "not-an-address"}}, {"customer.email": "invalid_email"}),
    ({"customer": {"email": "e@example.com", "name": 7}}, {"customer.name": "not_a_string"}),
    ({"customer": {"email": "e@example.com", "vip": True}}, {"customer.vip": "unknown_field"}),
    ({"priority": "whenever"}, {"priority": "invalid_choice"}),
    ({"priority": ["high"]}, {"priority": "invalid_choice"}),
    ({"tags": "a,b"}, {"tags": "invalid_tags"}),
    ({"tags": ["has space"]}, {"tags": "invalid_tags"}),
    ({"tags": [str(i) for i in range(21)]}, {"tags": "too_many"}),
    ({"status": "solved"}, {"status": "unknown_field"}),
])
def test_unusable_fields_are_422_and_nothing_is_created(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    ticket_count: Callable[[], int], change: dict[str, object], fields: dict[str, str],
) -> None:
    body = {k: v for k, v in {**NEW, **change}.items() if v is not MISSING}
    # json.dumps escapes the lone surrogate as \ud800, as a client in any language would.
    response = client.post(TICKETS, content=json.dumps(body), headers=auth(make_user("agent")))
    assert response.status_code == 422, response.text
    assert response.json() == {"error": "invalid input", "fields": fields}
    assert ticket_count() == 0


def test_an_empty_body_names_every_required_field(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
) -> None:
    response = client.post(TICKETS, json={}, headers=auth(make_user("agent")))
    assert response.status_code == 422
    assert response.json()["fields"] == {"customer": "required", "subject": "required",
                                         "text": "required"}


@pytest.mark.parametrize(("content", "reason"), [
    (b"{not json", "the body is not valid JSON"),
    (b"", "the body is not valid JSON"),
    (b"\xff\xfe\x00", "the body is not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "the body is not valid JSON"),
    (b'["a list"]', "the body must be a JSON object"),
    (b'"a string"', "the body must be a JSON object"),
])
def test_a_body_that_is_not_a_json_object_is_400(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    ticket_count: Callable[[], int], content: bytes, reason: str,
) -> None:
    headers = {**auth(make_user("agent")), "Content-Type": "application/json"}
    response = client.post(TICKETS, content=content, headers=headers)
    assert response.status_code == 400
    assert response.json() == {"error": reason}
    assert ticket_count() == 0


def test_a_body_over_one_mebibyte_is_413(client: TestClient, make_user: Callable[..., User],
                                         auth: Auth, ticket_count: Callable[[], int]) -> None:
    body = {**NEW, "text": "x" * (1024 * 1024)}
    response = client.post(TICKETS, json=body, headers=auth(make_user("agent")))
    assert response.status_code == 413
    assert response.json() == {"error": "request too large"}
    assert ticket_count() == 0


def test_markup_in_subject_and_text_is_kept_as_plain_text(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
) -> None:
    headers = auth(make_user("agent"))
    script = "<script>alert('pwned')</script>"
    subject = f"{script}<img src=x onerror=alert(1)>"
    body = {**NEW, "subject": subject, "text": f"Hello {script} & <b>bold</b>"}
    created = client.post(TICKETS, json=body, headers=headers)
    assert created.status_code == 201
    assert created.headers["content-type"] == "application/json"
    fetched = client.get(f"{TICKETS}/{created.json()['number']}", headers=headers).json()
    assert fetched["subject"] == subject
    [message] = fetched["messages"]
    assert message["text"] == f"Hello {script} & <b>bold</b>"
    assert message["html"] == ""  # the API channel takes text; no markup is made from it


def test_methods_a_path_lacks_are_405_json(client: TestClient, make_user: Callable[..., User],
                                           auth: Auth, make_ticket: Callable[..., int]) -> None:
    number = make_ticket()
    response = client.delete(f"{TICKETS}/{number}", headers=auth(make_user("admin")))
    assert response.status_code == 405
    assert "error" in response.json()
    assert response.headers["allow"] == "GET, HEAD, PATCH"


def test_unknown_api_paths_are_404_json(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert "error" in response.json()
