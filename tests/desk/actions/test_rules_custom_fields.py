"""Rules on custom fields (issue 13): conditions on a ticket's and a customer's custom fields
(`ticket_field:<key>`, `customer_field:<key>`), the action "set a ticket field", and a rule
naming a field that does not exist refused when saved with the reason beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.customers.fields import add_field
from desk.actions.ingest.one import ingest_message
from desk.actions.rules.definition import Condition, FieldSpec, Group, Known, RuleError, parse_rule
from desk.actions.rules.manage import create_rule
from desk.actions.rules.matching import Facts, matcher
from desk.actions.tickets.fields import add_ticket_field
from desk.db import Database, commit
from desk.models import AuditEntry, Customer, Ticket, User
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in
from tests.desk.actions.test_rules import _mail, _run_jobs

KNOWN = Known(ticket_fields=(FieldSpec("plan", "choice", ("Starter", "Enterprise")),
                             FieldSpec("seats", "number")), customer_fields=("contract",))


def _holds(name: str, op: str, value: str, facts: Facts) -> bool:
    return matcher(Group("all", (Condition(name, op, value),)))(facts)


@pytest.mark.parametrize("name, op, value, facts, expected", [
    ("ticket_field:plan", "is", "enterprise", Facts(ticket_fields={"plan": "Enterprise"}), True),
    ("ticket_field:plan", "is", "enterprise", Facts(ticket_fields={"plan": "Starter"}), False),
    ("ticket_field:plan", "is", "", Facts(), True),  # "is empty": a ticket without a value
    ("ticket_field:seats", "at_least", "10", Facts(ticket_fields={"seats": 12}), True),
    ("ticket_field:seats", "at_least", "10", Facts(ticket_fields={"seats": 9.5}), False),
    ("ticket_field:seats", "at_most", "10", Facts(), False),  # no number: no comparison holds
    ("customer_field:contract", "any_words", "gold 金牌", Facts(customer_fields={"contract": "金牌客户"}),
     True),
    ("customer_field:contract", "is", "gold", Facts(ticket_fields={"contract": "gold"}), False),
])
def test_conditions_on_custom_fields(name: str, op: str, value: str, facts: Facts,
                                     expected: bool) -> None:
    assert _holds(name, op, value, facts) is expected


@pytest.mark.parametrize("doc_part, where", [
    ({"conditions": {"match": "all", "items": [{"field": "ticket_field:colour", "op": "is",
                                                "value": "red"}]}}, "conditions.0.field"),
    ({"conditions": {"match": "all", "items": [{"field": "customer_field:plan", "op": "is",
                                                "value": "x"}]}}, "conditions.0.field"),
    ({"conditions": {"match": "all", "items": [{"field": "ticket_field:seats", "op": "at_least",
                                                "value": "many"}]}}, "conditions.0.value"),
    ({"actions": [{"type": "set_field", "value": {"key": "colour", "value": "red"}}]}, "actions.0.value"),
    ({"actions": [{"type": "set_field", "value": {"key": "plan", "value": "Gold"}}]}, "actions.0.value"),
    ({"actions": [{"type": "set_field", "value": {"key": "seats", "value": ""}}]}, "actions.0.value"),
])
def test_a_rule_naming_an_unknown_field_or_a_bad_value_is_refused_beside_it(
    doc_part: dict[str, Any], where: str,
) -> None:
    doc = {"name": "Fields", "actions": [{"type": "set_priority", "value": "high"}], **doc_part}
    with pytest.raises(RuleError) as refused:
        parse_rule(doc, KNOWN)
    assert where in refused.value.errors


def test_a_rule_tests_the_customers_field_and_sets_the_tickets(
    db: Database, session: Session, settings: Settings,
) -> None:
    add_field(session, SYSTEM, "contract", "Contract", "choice", ["Gold", "Basic"])
    add_ticket_field(session, SYSTEM, "plan", "Plan", "choice", ["Starter", "Enterprise"])
    create_rule(session, SYSTEM, {
        "name": "Gold contracts are Enterprise", "events": ["ticket_created"],
        "conditions": {"match": "all", "items": [
            {"field": "customer_field:contract", "op": "is", "value": "gold"}]},
        "actions": [{"type": "set_field", "value": {"key": "plan", "value": "Enterprise"}}]})
    create_rule(session, SYSTEM, {
        "name": "Enterprise is urgent", "events": ["ticket_created"],
        "conditions": {"match": "all", "items": [
            {"field": "ticket_field:plan", "op": "is", "value": "Enterprise"}]},
        "actions": [{"type": "set_priority", "value": "urgent"}]})
    ingest_message(session, settings, _mail("gold@example.com", "hello", "first"))
    commit(session)
    customer = session.exec(select(Customer).where(Customer.email == "gold@example.com")).one()
    customer.fields = {"contract": "Gold"}
    session.add(customer)
    commit(session)
    gold, _ = ingest_message(session, settings, _mail("gold@example.com", "Invoice", "please"))
    other, _ = ingest_message(session, settings, _mail("ann@example.com", "Invoice", "please"))
    commit(session)
    _run_jobs(db)
    with db.session() as fresh:
        tickets = [fresh.get(Ticket, t.id) for t in (gold, other)]
        assert [(t.fields, t.priority) for t in tickets if t] == [
            ({"plan": "Enterprise"}, "urgent"), ({}, "normal")]
        history = fresh.exec(select(AuditEntry).where(
            AuditEntry.entity == "ticket", AuditEntry.entity_id == gold.id,
            AuditEntry.actor_type == "rule")).all()
        assert [(h.actor_name, h.changes) for h in history] == [
            ("Gold contracts are Enterprise", {"fields.plan": [None, "Enterprise"]}),
            ("Enterprise is urgent", {"priority": ["normal", "urgent"]})]


def test_the_rule_form_offers_custom_fields_and_refuses_a_deleted_one_beside_it(
    client: TestClient, db: Database, session: Session, settings: Settings,
    make_user: Callable[..., User],
) -> None:
    add_ticket_field(session, SYSTEM, "plan", "Plan", "choice", ["Starter", "Enterprise"])
    add_field(session, SYSTEM, "contract", "Contract", "text", [])
    commit(session)
    ingest_message(session, settings, _mail("ann@example.com", "Upgrade", "please"))
    commit(session)
    sign_in(client, make_user("supervisor"))
    form = client.get("/admin/rules/new").text
    assert 'value="ticket_field:plan"' in form and 'value="customer_field:contract"' in form
    assert "A ticket or customer field is tested as text, or as a number" in form
    draft = {"csrf_token": csrf_of(client, "/admin/rules/new"), "name": "Upgrades", "enabled": "on",
             "events": "ticket_created", "match": "all", "field0": "subject", "op0": "contains",
             "value0": "upgrade", "set_field_key": "plan", "set_field_value": "Enterprise"}
    tried = client.post("/admin/rules", data={**draft, "dry_run": "1"})
    assert "fields.plan → Enterprise" in tried.text.split('id="dry-run"')[1]
    bad_value = client.post("/admin/rules", data={**draft, "set_field_value": "Gold"})
    assert bad_value.status_code == 422 and 'id="set_field-error"' in bad_value.text
    unknown = client.post("/admin/rules", data={**draft, "field1": "ticket_field:colour", "op1": "is",
                                                "value1": "red"})
    assert unknown.status_code == 422 and 'id="condition1-error"' in unknown.text
    assert "There is no such ticket field." in unknown.text
    assert client.post("/admin/rules", data=draft, follow_redirects=False).status_code == 303
    assert "Ticket field plan “Enterprise”" in client.get("/admin/rules").text
