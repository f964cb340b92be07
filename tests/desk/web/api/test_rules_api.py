"""`/api/v1/rules` (issue 13): rules as JSON documents, in the order they run; refused with
the reason per field when they could not run; supervisors and admins only."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session
from starlette.testclient import TestClient

from desk.db import commit
from desk.models import Team, User

from .schema_check import conforms

URL = "/api/v1/rules"


def test_a_supervisor_writes_lists_changes_moves_and_deletes_rules(
    client: TestClient, session: Session, make_user: Callable[..., User],
    auth: Callable[[User], dict[str, str]],
) -> None:
    team = Team(name="Tier 2")
    session.add(team)
    commit(session)
    headers = auth(make_user("supervisor"))
    vip = {"name": "VIP to Tier 2", "events": ["ticket_created", "customer_replied"],
           "conditions": {"match": "all", "items": [
               {"field": "tier", "op": "is", "value": "vip"},
               {"match": "any", "items": [{"field": "subject", "op": "any_words", "value": "refund 退款"},
                                          {"field": "body", "op": "regex", "value": r"order #?\d{6}"}]}]},
           "actions": [{"type": "set_team", "value": team.id}, {"type": "assign", "value": "round_robin"},
                       {"type": "stop"}]}
    created = client.post(URL, json=vip, headers=headers)
    assert created.status_code == 201, created.text
    conforms("/rules", "post", created)
    rule = created.json()
    assert rule["conditions"] == vip["conditions"] and rule["actions"] == vip["actions"]
    low = client.post(URL, json={"name": "Low", "actions": [{"type": "set_priority", "value": "low"}]},
                      headers=headers).json()
    listed = client.get(URL, headers=headers)
    conforms("/rules", "get", listed)
    assert [r["name"] for r in listed.json()["rules"]] == ["VIP to Tier 2", "Low"]

    moved = client.patch(f"{URL}/{low['id']}", json={"position": 1, "enabled": False}, headers=headers)
    assert moved.status_code == 200 and moved.json()["enabled"] is False
    conforms("/rules/{rule_id}", "patch", moved)
    assert [r["name"] for r in client.get(URL, headers=headers).json()["rules"]] == ["Low", "VIP to Tier 2"]
    assert client.delete(f"{URL}/{low['id']}", headers=headers).status_code == 204
    assert client.get(f"{URL}/{low['id']}", headers=headers).status_code == 404


def test_a_rule_that_could_not_run_is_refused_with_the_reason_per_field(
    client: TestClient, make_user: Callable[..., User], auth: Callable[[User], dict[str, str]],
) -> None:
    headers = auth(make_user("admin"))
    bad = client.post(URL, json={
        "name": "Broken", "conditions": {"match": "all", "items": [
            {"field": "body", "op": "regex", "value": "(a+)+$"}]},
        "actions": [{"type": "set_team", "value": 12345}]}, headers=headers)
    assert bad.status_code == 422
    conforms("/rules", "post", bad)
    assert set(bad.json()["fields"]) == {"conditions.0.value", "actions.0.value"}
    assert client.post(URL, content=b"[1]", headers=headers).status_code == 400
    assert client.get(URL, headers=headers).json()["rules"] == []


def test_agents_get_403(client: TestClient, make_user: Callable[..., User],
                        auth: Callable[[User], dict[str, str]]) -> None:
    headers = auth(make_user("agent"))
    assert client.get(URL, headers=headers).status_code == 403
    assert client.post(URL, json={"name": "x", "actions": [{"type": "stop"}]},
                       headers=headers).status_code == 403


def test_rules_on_more_events_and_on_time_with_replies_and_notices_as_json(
    client: TestClient, make_user: Callable[..., User], auth: Callable[[User], dict[str, str]],
) -> None:
    headers = auth(make_user("supervisor"))
    updated = {"name": "Urgent changes told", "events": ["ticket_updated", "agent_replied"],
               "conditions": {"match": "all", "items": [
                   {"field": "priority", "op": "is", "value": "urgent"}]},
               "actions": [{"type": "notify", "value": {"to": "team", "by": "email", "note": "Look"}}]}
    created = client.post(URL, json=updated, headers=headers)
    assert created.status_code == 201, created.text
    conforms("/rules", "post", created)
    assert created.json()["events"] == ["ticket_updated", "agent_replied"]
    timed = {"name": "VIP waiting", "events": ["scheduled"],
             "conditions": {"match": "all", "items": [
                 {"field": "no_agent_reply_for", "op": "at_least", "value": "1h"},
                 {"field": "tier", "op": "is", "value": "vip"}]},
             "actions": [{"type": "reply", "value": {"en": "We are on it, {{customer.name}}.",
                                                     "zh": "{{customer.name}}，我们正在处理。",
                                                     "articles": True}}]}
    made = client.post(URL, json=timed, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["actions"] == timed["actions"]
    mixed = client.post(URL, json={**timed, "events": ["scheduled", "ticket_created"]}, headers=headers)
    assert mixed.status_code == 422
    assert "events" in mixed.text
