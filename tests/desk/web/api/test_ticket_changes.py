"""PATCH /api/v1/tickets/{number}: checked changes, recorded as made through the API."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from desk.db import Database
from desk.models import User
from desk.queries.tickets.queue import ticket_history

TICKETS = "/api/v1/tickets"
Auth = Callable[[User], dict[str, str]]


def test_status_priority_and_tags_change_and_are_audited_as_api(
    client: TestClient, db: Database, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    agent = make_user("agent", name="Ana Agent")
    number = make_ticket()
    response = client.patch(f"{TICKETS}/{number}", headers=auth(agent), json={
        "status": "pending", "priority": "urgent", "tags": ["Billing", "billing", "eu"]})
    assert response.status_code == 200, response.text
    ticket = response.json()
    assert (ticket["status"], ticket["priority"], ticket["tags"]) == (
        "pending", "urgent", ["billing", "eu"])
    assert client.get(f"{TICKETS}/{number}", headers=auth(agent)).json() == ticket
    with db.session() as s:
        last = ticket_history(s, number)[-1]
    assert (last.actor_type, last.actor_id, last.actor_name, last.action) == (
        "api", agent.id, "Ana Agent", "updated")
    assert last.changes == {"status": ["new", "pending"], "priority": ["normal", "urgent"],
                            "tags": [[], ["billing", "eu"]]}


def test_team_assignee_and_subject_change(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int], join_team: Callable[[User | None, str], int],
) -> None:
    supervisor = make_user("supervisor")
    agent = make_user("agent", name="Bo Agent")
    team = join_team(agent, "Support")
    number = make_ticket()
    response = client.patch(f"{TICKETS}/{number}", headers=auth(supervisor), json={
        "team_id": team, "assignee_id": agent.id, "subject": "  Printer: on fire  "})
    ticket = response.json()
    assert ticket["team"] == {"id": team, "name": "Support"}
    assert ticket["assignee"] == {"id": agent.id, "name": "Bo Agent"}
    assert ticket["subject"] == "Printer: on fire"
    cleared = client.patch(f"{TICKETS}/{number}", headers=auth(supervisor),
                           json={"assignee_id": None}).json()
    assert cleared["assignee"] is None and cleared["team"]["id"] == team


def test_an_empty_change_changes_nothing(
    client: TestClient, db: Database, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    number = make_ticket()
    response = client.patch(f"{TICKETS}/{number}", json={}, headers=auth(make_user("agent")))
    assert response.status_code == 200
    assert response.json()["status"] == "new"
    with db.session() as s:
        assert [h.action for h in ticket_history(s, number)] == ["created"]


@pytest.mark.parametrize(("body", "fields"), [
    ({"status": "bogus"}, {"status": "invalid_choice"}),
    ({"status": 3}, {"status": "invalid_choice"}),
    ({"status": ["open"]}, {"status": "invalid_choice"}),
    ({"priority": {"level": 1}}, {"priority": "invalid_choice"}),
    ({"subject": ""}, {"subject": "required"}),
    ({"subject": 12}, {"subject": "not_a_string"}),
    ({"subject": "y" * 301}, {"subject": "too_long"}),
    ({"team_id": 999}, {"team_id": "not_found"}),
    ({"team_id": 10**20}, {"team_id": "not_found"}),
    ({"assignee_id": True}, {"assignee_id": "not_found"}),
    ({"assignee_id": "²"}, {"assignee_id": "not_found"}),
    ({"tags": "a b"}, {"tags": "invalid_tags"}),
    ({"tags": [1, 2]}, {"tags": "invalid_tags"}),
    ({"customer_id": 1}, {"customer_id": "unknown_field"}),
    ({"status": "solved", "priority": "asap"}, {"priority": "invalid_choice"}),
])
def test_unusable_changes_are_422_and_the_ticket_stays_as_it_was(
    client: TestClient, db: Database, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int], body: dict[str, object], fields: dict[str, str],
) -> None:
    number = make_ticket()
    headers = auth(make_user("admin"))
    before = client.get(f"{TICKETS}/{number}", headers=headers).json()
    response = client.patch(f"{TICKETS}/{number}", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json() == {"error": "invalid input", "fields": fields}
    assert client.get(f"{TICKETS}/{number}", headers=headers).json() == before
    with db.session() as s:
        assert [h.action for h in ticket_history(s, number)] == ["created"]


def test_a_malformed_change_is_400(client: TestClient, make_user: Callable[..., User],
                                   auth: Auth, make_ticket: Callable[..., int]) -> None:
    number = make_ticket()
    response = client.patch(f"{TICKETS}/{number}", content=b"status=solved",
                            headers=auth(make_user("agent")))
    assert response.status_code == 400
    assert response.json() == {"error": "the body is not valid JSON"}


def test_changing_a_missing_ticket_is_404(client: TestClient, make_user: Callable[..., User],
                                          auth: Auth) -> None:
    response = client.patch(f"{TICKETS}/41", json={"status": "open"},
                            headers=auth(make_user("admin")))
    assert response.status_code == 404


def test_a_status_the_user_may_not_set_by_hand_is_422_with_the_boards_reason(
    client: TestClient, db: Database, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    agent, supervisor = make_user("agent"), make_user("supervisor")
    number = make_ticket()
    closing = client.patch(f"{TICKETS}/{number}", headers=auth(agent),
                           json={"status": "closed", "priority": "urgent"})
    assert closing.status_code == 422
    assert closing.json() == {
        "error": "Only supervisors and admins close tickets by hand: mark it Solved.",
        "fields": {"status": "not_allowed"}}
    ticket = client.get(f"{TICKETS}/{number}", headers=auth(agent)).json()
    assert (ticket["status"], ticket["priority"]) == ("new", "normal")  # nothing saved
    assert client.patch(f"{TICKETS}/{number}", headers=auth(supervisor),
                        json={"status": "closed"}).status_code == 200
    reopening = client.patch(f"{TICKETS}/{number}", headers=auth(supervisor),
                             json={"status": "open"})
    assert reopening.status_code == 422 and reopening.json()["error"].startswith(
        "A closed ticket stays closed")
    spam = make_ticket()
    assert client.patch(f"{TICKETS}/{spam}", headers=auth(agent),
                        json={"status": "closed", "tags": ["spam"]}).status_code == 200
