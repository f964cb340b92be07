"""GET /api/v1/tickets: the agent queue's filters, paging and permissions, as JSON."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from desk.models import User

TICKETS = "/api/v1/tickets"
Auth = Callable[[User], dict[str, str]]


def numbers(response: object) -> list[int]:
    return [t["number"] for t in response.json()["tickets"]]  # type: ignore[attr-defined]


def test_filters_narrow_the_list(client: TestClient, make_user: Callable[..., User], auth: Auth,
                                 make_ticket: Callable[..., int],
                                 join_team: Callable[[User | None, str], int]) -> None:
    admin = make_user("admin")
    billing = join_team(None, "Billing")
    urgent = make_ticket("Invoice wrong", priority="urgent", team_id=billing)
    pending = make_ticket("Waiting on you", status="pending", assignee_id=admin.id)
    tagged = make_ticket("Tagged one", email="dan@example.com")
    headers = auth(admin)
    client.patch(f"{TICKETS}/{tagged}", json={"tags": ["vip", "refund"]}, headers=headers)

    def listed(**params: str | int) -> list[int]:
        response = client.get(TICKETS, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return numbers(response)

    assert listed(priority="urgent") == [urgent]
    assert listed(team=billing) == [urgent]
    assert listed(status="pending") == [pending]
    assert listed(view="pending") == [pending]
    assert listed(assignee=admin.id or 0) == [pending]
    assert sorted(listed(view="all_open")) == sorted([urgent, tagged])
    assert listed(tag="VIP") == [tagged]
    assert listed(channel="api") == []
    assert sorted(listed(channel="email")) == sorted([urgent, pending, tagged])
    assert listed(sort="created") == [tagged, pending, urgent]
    assert listed(sort="priority")[0] == urgent


def test_customer_filter_takes_an_email_or_an_id(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    headers = auth(make_user("supervisor"))
    mine = make_ticket("From Cleo", email="cleo@example.com")
    make_ticket("From Dan", email="dan@example.com")
    by_email = client.get(TICKETS, params={"customer": "Cleo@Example.com"}, headers=headers)
    assert numbers(by_email) == [mine]
    customer_id = by_email.json()["tickets"][0]["customer"]["id"]
    assert by_email.json()["tickets"][0]["customer"] == {
        "id": customer_id, "name": "Cleo Customer", "email": "cleo@example.com"}
    by_id = client.get(TICKETS, params={"customer": customer_id}, headers=headers)
    assert numbers(by_id) == [mine]
    nobody = client.get(TICKETS, params={"customer": "nobody@example.com"}, headers=headers)
    assert nobody.json()["tickets"] == [] and nobody.json()["total"] == 0


def test_pages_carry_total_and_has_next(client: TestClient, make_user: Callable[..., User],
                                        auth: Auth, make_ticket: Callable[..., int]) -> None:
    headers = auth(make_user("admin"))
    made = [make_ticket(f"Ticket {i}") for i in range(5)]
    first = client.get(TICKETS, params={"per_page": 2, "sort": "created"}, headers=headers).json()
    assert [t["number"] for t in first["tickets"]] == made[::-1][:2]
    assert (first["page"], first["per_page"], first["total"], first["has_next"]) == (1, 2, 5, True)
    last = client.get(TICKETS, params={"per_page": 2, "page": 3, "sort": "created"},
                      headers=headers).json()
    assert [t["number"] for t in last["tickets"]] == [made[0]]
    assert last["has_next"] is False
    beyond = client.get(TICKETS, params={"per_page": 2, "page": 9}, headers=headers).json()
    assert beyond["tickets"] == [] and beyond["total"] == 5


def test_the_default_page_holds_fifty(client: TestClient, make_user: Callable[..., User],
                                      auth: Auth) -> None:
    body = client.get(TICKETS, headers=auth(make_user("agent"))).json()
    assert (body["page"], body["per_page"]) == (1, 50)


def test_agents_list_their_teams_and_unrouted_tickets_only(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int], join_team: Callable[[User | None, str], int],
) -> None:
    agent = make_user("agent")
    support = join_team(agent, "Support")
    billing = join_team(None, "Billing")
    ours = make_ticket("Ours", team_id=support)
    unrouted = make_ticket("Nobody's yet")
    theirs = make_ticket("Billing's", team_id=billing)
    assigned = make_ticket("Billing's but mine", team_id=billing, assignee_id=agent.id)
    listed = numbers(client.get(TICKETS, headers=auth(agent)))
    assert sorted(listed) == sorted([ours, unrouted, assigned])
    assert theirs not in listed
    everything = numbers(client.get(TICKETS, headers=auth(make_user("supervisor"))))
    assert theirs in everything and len(everything) == 4


@pytest.mark.parametrize(("params", "field", "code"), [
    ({"page": "abc"}, "page", "out_of_range"),
    ({"page": "0"}, "page", "out_of_range"),
    ({"page": "²"}, "page", "out_of_range"),
    ({"per_page": "1000"}, "per_page", "out_of_range"),
    ({"per_page": "0"}, "per_page", "out_of_range"),
    ({"status": "bogus"}, "status", "invalid_choice"),
    ({"priority": "HIGH"}, "priority", "invalid_choice"),
    ({"view": "everything"}, "view", "invalid_choice"),
    ({"sort": "random"}, "sort", "invalid_choice"),
    ({"channel": "fax"}, "channel", "invalid_choice"),
    ({"team": "-1"}, "team", "invalid_id"),
    ({"assignee": "99999999999"}, "assignee", "invalid_id"),
    ({"customer": "cleo"}, "customer", "invalid_customer"),
    ({"tag": ""}, "tag", "invalid_tag"),
    ({"tag": "a\x00b"}, "tag", "invalid_tag"),
    ({"tag": "two words"}, "tag", "invalid_tag"),
    ({"customer": "cleo\x00@example.com"}, "customer", "invalid_customer"),
    ({"customer": "x" * 320 + "@example.com"}, "customer", "invalid_customer"),
    ({"stauts": "open"}, "stauts", "unknown_parameter"),
])
def test_unusable_parameters_are_422_naming_the_field(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    params: dict[str, str], field: str, code: str,
) -> None:
    response = client.get(TICKETS, params=params, headers=auth(make_user("agent")))
    assert response.status_code == 422
    assert response.json() == {"error": "invalid query parameters", "fields": {field: code}}


def test_list_entries_name_team_assignee_and_tags(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int], join_team: Callable[[User | None, str], int],
) -> None:
    agent = make_user("agent", name="Ana Agent")
    team = join_team(agent, "Support")
    number = make_ticket("Routed", team_id=team, assignee_id=agent.id)
    headers = auth(agent)
    client.patch(f"{TICKETS}/{number}", json={"tags": ["b", "a"]}, headers=headers)
    [entry] = client.get(TICKETS, headers=headers).json()["tickets"]
    assert entry["team"] == {"id": team, "name": "Support"}
    assert entry["assignee"] == {"id": agent.id, "name": "Ana Agent"}
    assert entry["tags"] == ["a", "b"]
    assert "messages" not in entry


def test_priority_sort_puts_urgent_first_and_low_last(
    client: TestClient, make_user: Callable[..., User], auth: Auth,
    make_ticket: Callable[..., int],
) -> None:
    made = {p: make_ticket(f"A {p} one", priority=p) for p in ("low", "high", "urgent", "normal")}
    listed = numbers(client.get(TICKETS, params={"sort": "priority"},
                                headers=auth(make_user("admin"))))
    assert listed == [made["urgent"], made["high"], made["normal"], made["low"]]
