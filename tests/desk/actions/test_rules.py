"""Routing rules (issue 13): what they match, what they refuse when saved, and what they do
to tickets when a customer writes: team, priority, tags, fair assignment, the history."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, col, select

from channels.message import Identity, InboundMessage, ThreadKeys
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.rules.definition import Condition, Group, Known, RuleError, parse_rule
from desk.actions.rules.manage import create_rule, delete_rule, move_rule, update_rule
from desk.actions.rules.matching import Facts, matches
from desk.db import Database, commit
from desk.jobs.runner import due_jobs, execute_job
from desk.models import AuditEntry, Customer, Team, TeamMembership, Ticket, User
from desk.queries.rules import list_rules
from desk.settings import Settings


def _one(field: str, op: str, value: str, facts: Facts) -> bool:
    return matches(Group("all", (Condition(field, op, value),)), facts)


@pytest.mark.parametrize("field, op, value, facts, expected", [
    ("subject", "contains", "refund", Facts(subject="REFUND please"), True),
    ("subject", "contains", "refund", Facts(subject="ＲＥＦＵＮＤ please"), True),  # full width
    ("subject", "not_contains", "refund", Facts(subject="Invoice"), True),
    ("body", "any_words", "refund, 退款", Facts(body="我要退款"), True),
    ("body", "any_words", "fun", Facts(body="refund"), False),  # a word, not a piece of one
    ("body", "regex", r"order #?\d{6}", Facts(body="Order #123456 is late"), True),
    ("sender_domain", "is", "Example.COM", Facts(sender="ann@example.com"), True),
    ("tier", "is_not", "vip", Facts(tier="standard"), True),
    ("tags", "has", "Billing", Facts(tags=frozenset({"billing"})), True),
    ("tags", "has_not", "billing", Facts(tags=frozenset({"billing"})), False),
    ("language", "is", "zh", Facts(language="zh"), True),
])
def test_each_condition(field: str, op: str, value: str, facts: Facts, expected: bool) -> None:
    assert _one(field, op, value, facts) is expected


def test_groups_of_all_and_any_nest_one_level() -> None:
    rule = parse_rule({"name": "r", "conditions": {"match": "all", "items": [
        {"field": "tier", "op": "is", "value": "vip"},
        {"match": "any", "items": [{"field": "subject", "op": "contains", "value": "refund"},
                                   {"field": "body", "op": "contains", "value": "退款"}]}]},
        "actions": [{"type": "set_priority", "value": "high"}]}, Known())
    assert matches(rule.conditions, Facts(tier="vip", body="请退款"))
    assert not matches(rule.conditions, Facts(tier="standard", body="请退款"))
    assert not matches(rule.conditions, Facts(tier="vip", body="hello"))
    with pytest.raises(RuleError) as deeper:
        parse_rule({"name": "r", "conditions": {"match": "all", "items": [{"match": "any", "items": [
            {"match": "all", "items": []}]}]}, "actions": [{"type": "stop"}]}, Known())
    assert "conditions.0.0" in deeper.value.errors


def test_a_rule_that_could_not_run_is_refused_with_the_reason_beside_the_field() -> None:
    with pytest.raises(RuleError) as refused:
        parse_rule({"name": "", "conditions": {"match": "all", "items": [
            {"field": "body", "op": "regex", "value": "(order"},
            {"field": "subject", "op": "regex", "value": "(a+)+$"},
            {"field": "colour", "op": "is", "value": "red"}]},
            "actions": [{"type": "set_team", "value": 99}, {"type": "assign", "value": 7},
                        {"type": "launch"}]}, Known(teams={1}, agents={2}))
    errors = refused.value.errors
    assert set(errors) == {"name", "conditions.0.value", "conditions.1.value", "conditions.2.field",
                           "actions.0.value", "actions.1.value", "actions.2"}
    assert "too long" in errors["conditions.1.value"]
    assert errors["actions.0.value"] == "There is no such team."


def test_a_catastrophic_expression_that_slipped_in_is_cut_off_in_time() -> None:
    started = time.perf_counter()
    assert not _one("body", "regex", "(a+)+$", Facts(body="a" * 50_000 + "!"))
    assert time.perf_counter() - started < 1.0


def _run_jobs(db: Database) -> None:
    for _ in range(5):
        ids = due_jobs(db)
        if not ids:
            return
        for job_id in ids:
            execute_job(db, job_id)


def _mail(sender: str, subject: str, text: str) -> InboundMessage:
    return InboundMessage("email", Identity("email", sender, sender.split("@")[0]), subject, text,
                          thread=ThreadKeys(message_id=f"<{time.perf_counter_ns()}@example.com>"))


@pytest.fixture
def billing(session: Session, make_user: Callable[..., User]) -> tuple[int, list[int]]:
    agents = [make_user("agent", name=f"Agent {n}") for n in range(2)]
    team = Team(name="Billing")
    session.add(team)
    session.flush()
    assert team.id is not None
    for agent in agents:
        session.add(TeamMembership(team_id=team.id, user_id=agent.id))
    commit(session)
    return team.id, sorted(a.id for a in agents)


def test_vip_refund_mail_lands_in_billing_high_priority_assigned_in_turn(
    db: Database, session: Session, settings: Settings, billing: tuple[int, list[int]],
) -> None:
    team_id, agents = billing
    doc: dict[str, Any] = {
        "name": "VIP refunds to Billing", "events": ["ticket_created", "customer_replied"],
        "conditions": {"match": "all", "items": [
            {"field": "tier", "op": "is", "value": "vip"},
            {"field": "subject", "op": "any_words", "value": "refund 退款"}]},
        "actions": [{"type": "set_team", "value": team_id}, {"type": "set_priority", "value": "high"},
                    {"type": "add_tags", "value": ["refund"]}, {"type": "assign", "value": "round_robin"}]}
    create_rule(session, SYSTEM, doc)
    ingest_message(session, settings, _mail("vip@example.com", "hello", "first contact"))
    commit(session)
    customer = session.exec(select(Customer).where(Customer.email == "vip@example.com")).one()
    customer.tier = "vip"
    session.add(customer)
    commit(session)

    tickets = []
    for subject in ("Refund for order 1", "退款 订单 2", "Refund again", "Just a question"):
        ticket, _ = ingest_message(session, settings, _mail("vip@example.com", subject, "please"))
        commit(session)
        tickets.append(ticket.id)
    _run_jobs(db)
    with db.session() as fresh:
        rows = [fresh.get(Ticket, t) for t in tickets]
        assert [(r.team_id, r.priority) for r in rows if r] == [(team_id, "high")] * 3 + [(None, "normal")]
        # Round robin: one after the other, then the first again.
        assert [r.assignee_id for r in rows if r] == [agents[0], agents[1], agents[0], None]
        history = fresh.exec(select(AuditEntry).where(
            AuditEntry.entity == "ticket", AuditEntry.entity_id == tickets[0],
            AuditEntry.actor_type == "rule")).all()
        assert [(h.actor_name, sorted(h.changes)) for h in history] == [
            ("VIP refunds to Billing", ["assignee_id", "priority", "tags", "team_id"])]


def test_an_agent_set_away_is_skipped_by_round_robin_and_least_loaded(
    db: Database, session: Session, settings: Settings, billing: tuple[int, list[int]],
) -> None:
    from desk.actions.users import choose_availability

    team_id, agents = billing
    choose_availability(session, SYSTEM, agents[0], "away")
    for strategy in ("round_robin", "least_loaded"):
        create_rule(session, SYSTEM, {
            "name": f"All to Billing ({strategy})", "events": ["ticket_created"],
            "conditions": {"match": "all", "items": [
                {"field": "subject", "op": "contains", "value": strategy}]},
            "actions": [{"type": "set_team", "value": team_id},
                        {"type": "assign", "value": strategy}]})
    tickets = []
    for subject in ("round_robin 1", "round_robin 2", "least_loaded 1", "least_loaded 2"):
        ticket, _ = ingest_message(session, settings, _mail("kim@example.com", subject, "hi"))
        commit(session)
        tickets.append(ticket.id)
    _run_jobs(db)
    with db.session() as fresh:
        assert [fresh.get(Ticket, t).assignee_id for t in tickets] == [agents[1]] * 4  # type: ignore[union-attr]
        change = fresh.exec(select(AuditEntry).where(
            AuditEntry.entity == "user", AuditEntry.entity_id == agents[0])).all()[-1]
        assert change.changes == {"availability": ["available", "away"]}


def test_a_rule_naming_a_deleted_team_is_skipped_with_a_reason_and_never_blocks_intake(
    db: Database, session: Session, settings: Settings, billing: tuple[int, list[int]],
) -> None:
    team_id, _ = billing
    create_rule(session, SYSTEM, {"name": "To Billing", "actions": [{"type": "set_team", "value": team_id}]})
    for membership in session.exec(select(TeamMembership).where(TeamMembership.team_id == team_id)):
        session.delete(membership)
    team = session.get(Team, team_id)
    session.delete(team)
    commit(session)
    ticket, _ = ingest_message(session, settings, _mail("ann@example.com", "Hello", "Hi"))
    commit(session)
    _run_jobs(db)
    with db.session() as fresh:
        row = fresh.get(Ticket, ticket.id)
        assert row is not None and row.team_id is None
        skipped = fresh.exec(select(AuditEntry).where(AuditEntry.action == "rule_skipped")).one()
        assert "There is no such team." in str(skipped.changes)


def test_rules_are_ordered_switched_changed_and_deleted_with_each_change_recorded(
    session: Session,
) -> None:
    first = create_rule(session, SYSTEM, {"name": "A", "actions": [{"type": "set_priority", "value": "low"}]})
    second = create_rule(session, SYSTEM, {"name": "B", "actions": [{"type": "stop"}]})
    move_rule(session, SYSTEM, second, -1)
    assert [r.name for r in list_rules(session)] == ["B", "A"]
    update_rule(session, SYSTEM, first, {"enabled": False})
    assert [r.name for r in list_rules(session, enabled_only=True)] == ["B"]
    delete_rule(session, SYSTEM, second)
    assert [r.name for r in list_rules(session)] == ["A"]
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.entity == "rule")
                           .order_by(col(AuditEntry.id))).all()
    assert actions == ["created", "created", "moved", "updated", "deleted"]


def test_a_rule_set_tested_at_once_holds_what_each_rule_holds() -> None:
    """The whole set in one call (as run_rules asks) answers as each rule's own matcher."""
    from desk.actions.rules.matching import matcher, set_matcher

    groups = tuple(Group("all", (Condition(field, op, value),)) for field, op, value, _, _ in [
        ("subject", "contains", "refund", None, None), ("body", "any_words", "refund, 退款", None, None),
        ("body", "regex", r"order #?\d{6}", None, None), ("tier", "is_not", "vip", None, None),
        ("tags", "has", "Billing", None, None), ("language", "is", "zh", None, None)])
    groups += (Group("any"), Group("all"))
    for facts in (Facts(subject="REFUND please", tier="vip"), Facts(body="我要退款 order 123456",
                                                                     language="zh"),
                  Facts(tags=frozenset({"billing"}), tier="standard"), Facts()):
        assert set_matcher(groups)(facts) == tuple(matcher(g)(facts) for g in groups)


def test_a_later_rule_sees_what_an_earlier_one_changed(
    db: Database, session: Session, settings: Settings,
) -> None:
    create_rule(session, SYSTEM, {"name": "Outage is urgent", "events": ["ticket_created"],
                                  "conditions": {"match": "all", "items": [
                                      {"field": "subject", "op": "contains", "value": "outage"}]},
                                  "actions": [{"type": "set_priority", "value": "urgent"}]})
    create_rule(session, SYSTEM, {"name": "Urgent gets a tag", "events": ["ticket_created"],
                                  "conditions": {"match": "all", "items": [
                                      {"field": "priority", "op": "is", "value": "urgent"}]},
                                  "actions": [{"type": "add_tags", "value": ["paged"]}]})
    ticket, _ = ingest_message(session, settings, _mail("ops@example.com", "Outage in region 2", "help"))
    quiet, _ = ingest_message(session, settings, _mail("ops@example.com", "A question", "hello"))
    commit(session)
    _run_jobs(db)
    with db.session() as fresh:
        names = {h.actor_name for h in fresh.exec(select(AuditEntry).where(
            AuditEntry.entity == "ticket", AuditEntry.entity_id == ticket.id,
            AuditEntry.actor_type == "rule"))}
        assert names == {"Outage is urgent", "Urgent gets a tag"}
        assert not fresh.exec(select(AuditEntry).where(
            AuditEntry.entity == "ticket", AuditEntry.entity_id == quiet.id,
            AuditEntry.actor_type == "rule")).all()
