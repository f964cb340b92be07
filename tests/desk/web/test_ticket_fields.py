"""Ticket custom fields (issue 13) on the pages: an admin defines them at /admin/ticket-fields
(text, number, choice; a key taken or a choice field without options is refused beside the
field), agents see and change them on the ticket page, each change in the ticket's history
with who made it, a bad value refused beside the field."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets.fields import add_ticket_field
from desk.db import Database, commit
from desk.models import Ticket, TicketField, User
from desk.queries.tickets.queue import ticket_history
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in
from tests.desk.actions.test_rules import _mail

FIELDS = "/admin/ticket-fields"


def _add(client: TestClient, **kw: str) -> int:
    data = {"csrf_token": csrf_of(client, FIELDS), "key": "plan", "label": "Plan", "kind": "choice",
            "choices": "Starter\nEnterprise", "position": "1", **kw}
    return client.post(FIELDS, data=data, follow_redirects=False).status_code


def test_an_admin_defines_relabels_and_deletes_ticket_fields(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    sign_in(client, make_user("admin"))
    assert f'href="{FIELDS}"' in client.get("/admin/").text
    assert _add(client) == 303
    assert _add(client, key="order_total", label="Order total", kind="number", choices="") == 303
    taken = client.post(FIELDS, data={"csrf_token": csrf_of(client, FIELDS), "key": "plan",
                                      "label": "Again", "kind": "text"})
    assert taken.status_code == 400 and "There is already a field with the key plan." in taken.text
    assert _add(client, key="tier2", kind="choice", choices="") == 400  # a choice needs options
    page = client.get(FIELDS)
    assert "Order total" in page.text and "Enterprise" in page.text
    with db.session() as s:
        plan = s.exec(select(TicketField).where(TicketField.key == "plan")).one()
    token = csrf_of(client, FIELDS)
    client.post(f"{FIELDS}/{plan.id}", data={"csrf_token": token, "label": "Contract plan",
                                             "choices": "Starter\nEnterprise\nGold", "position": "2"})
    with db.session() as s:
        changed = s.get(TicketField, plan.id)
        assert changed is not None and (changed.label, changed.choices) == (
            "Contract plan", ["Starter", "Enterprise", "Gold"])
    client.post(f"{FIELDS}/{plan.id}/delete", data={"csrf_token": token})
    with db.session() as s:
        assert [f.key for f in s.exec(select(TicketField))] == ["order_total"]


def test_agents_are_refused_the_admin_page(client: TestClient, make_user: Callable[..., User]) -> None:
    sign_in(client, make_user("agent"))
    assert client.get(FIELDS).status_code == 403


@pytest.fixture
def ticket_with_fields(session: Session, settings: Settings) -> int:
    add_ticket_field(session, SYSTEM, "plan", "Plan", "choice", ["Starter", "Enterprise"])
    add_ticket_field(session, SYSTEM, "order_total", "Order total", "number", [])
    add_ticket_field(session, SYSTEM, "order_ref", "Order reference", "text", [])
    ticket, _ = ingest_message(session, settings, _mail("ann@example.com", "Refund", "please"))
    commit(session)
    assert ticket.id is not None
    return ticket.id


def test_an_agent_fills_in_ticket_fields_and_the_history_says_who(
    client: TestClient, db: Database, make_user: Callable[..., User], ticket_with_fields: int,
) -> None:
    number = ticket_with_fields
    sign_in(client, make_user("agent", name="Ana Agent"))
    page = client.get(f"/agent/tickets/{number}")
    assert 'name="fields.plan"' in page.text and "Order reference" in page.text
    token = csrf_of(client, f"/agent/tickets/{number}")
    saved = client.post(f"/agent/tickets/{number}", data={
        "csrf_token": token, "fields.plan": "Enterprise", "fields.order_total": "129.50",
        "fields.order_ref": " A-1001 "}, follow_redirects=False)
    assert saved.status_code == 303
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None
        assert ticket.fields == {"plan": "Enterprise", "order_total": 129.5, "order_ref": "A-1001"}
        last = ticket_history(s, number)[-1]
    assert (last.actor_name, last.action) == ("Ana Agent", "updated")
    assert last.changes == {"fields.plan": [None, "Enterprise"], "fields.order_total": [None, 129.5],
                            "fields.order_ref": [None, "A-1001"]}
    shown = client.get(f"/agent/tickets/{number}").text
    assert 'value="A-1001"' in shown and "Plan: — → Enterprise" in " ".join(shown.split())

    cleared = client.post(f"/agent/tickets/{number}", data={
        "csrf_token": token, "fields.plan": "Enterprise", "fields.order_total": "",
        "fields.order_ref": "A-1001"}, follow_redirects=False)
    assert cleared.status_code == 303
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.fields == {"plan": "Enterprise", "order_ref": "A-1001"}


def test_a_bad_value_is_refused_beside_the_field_and_nothing_changes(
    client: TestClient, db: Database, make_user: Callable[..., User], ticket_with_fields: int,
) -> None:
    number = ticket_with_fields
    sign_in(client, make_user("agent"))
    token = csrf_of(client, f"/agent/tickets/{number}")
    refused = client.post(f"/agent/tickets/{number}", data={
        "csrf_token": token, "priority": "high", "fields.order_total": "a lot",
        "fields.plan": "Gold"})
    assert refused.status_code == 400
    assert 'id="fields.order_total-error"' in refused.text and "Enter a number." in refused.text
    assert 'id="fields.plan-error"' in refused.text
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and ticket.fields == {} and ticket.priority == "normal"
