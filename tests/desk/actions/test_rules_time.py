"""Rules on time (issue 13): the scheduled pass fires "pending for N days", "unassigned for
N minutes" and "no agent reply for N hours" rules once per ticket per state, combined with
other conditions, and never reads tickets its time conditions do not hold for."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from channels.message import Identity, InboundMessage, ThreadKeys
from desk.actions.audit import SYSTEM, Actor
from desk.actions.ingest.one import ingest_message
from desk.actions.rules.definition import Known, RuleError, parse_rule
from desk.actions.rules.manage import create_rule
from desk.actions.rules.scheduled import JOB, run_time_rules
from desk.actions.tickets.changes import add_agent_reply, update_ticket
from desk.db import Database, commit
from desk.models import AuditEntry, Customer, Job, Notification, Ticket, User
from desk.models.base import now
from desk.settings import Settings


def _mail(sender: str, subject: str) -> InboundMessage:
    return InboundMessage("email", Identity("email", sender, sender.split("@")[0]), subject, "text",
                          thread=ThreadKeys(message_id=f"<{time.perf_counter_ns()}@example.com>"))


def _scheduled(session: Session, name: str, items: list[dict[str, Any]],
               actions: list[dict[str, Any]]) -> None:
    create_rule(session, SYSTEM, {"name": name, "events": ["scheduled"],
                                  "conditions": {"match": "all", "items": items}, "actions": actions})


def _ticket(session: Session, settings: Settings, sender: str, subject: str,
            tier: str = "standard") -> Ticket:
    ticket, _ = ingest_message(session, settings, _mail(sender, subject))
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None
    customer.tier = tier
    session.add(customer)
    commit(session)
    return ticket


def _fired(session: Session, rule: str) -> list[int]:
    return sorted({e.entity_id for e in session.exec(select(AuditEntry).where(
        AuditEntry.actor_type == "rule", AuditEntry.actor_name == rule))})


def test_a_vip_ticket_without_a_reply_for_an_hour_notifies_its_assignee_once_per_state(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    agent = make_user("agent")
    _scheduled(session, "VIP waiting", [{"field": "no_agent_reply_for", "op": "at_least", "value": "1h"},
                                        {"field": "tier", "op": "is", "value": "vip"}],
               [{"type": "notify", "value": {"to": "assignee", "by": "in_app"}},
                {"type": "add_tags", "value": ["waiting"]}])
    vip = _ticket(session, settings, "vip@example.com", "Help", tier="vip")
    other = _ticket(session, settings, "std@example.com", "Help")
    fresh_vip = _ticket(session, settings, "vip2@example.com", "Later", tier="vip")
    update_ticket(session, SYSTEM, vip, {"assignee_id": agent.id})
    commit(session)
    later = now() + timedelta(minutes=61)
    fresh_vip.created_at = now() + timedelta(minutes=30)  # came in half an hour after the others
    session.add(fresh_vip)
    commit(session)

    outcome = run_time_rules(session, None, later)
    assert outcome.fired == 1
    assert _fired(session, "VIP waiting") == [vip.id]
    again = run_time_rules(session, None, later + timedelta(minutes=5))  # nothing changed: not again
    assert again.fired == 0 and again.candidates == 0
    assert other.id not in _fired(session, "VIP waiting")
    add_agent_reply(session, settings, Actor.of_user(agent), agent, vip, "On it", internal=False)
    commit(session)
    assert run_time_rules(session, None, later + timedelta(hours=3)).fired == 1  # the later VIP only
    assert _fired(session, "VIP waiting") == sorted([vip.id, fresh_vip.id])


def test_pending_for_days_and_unassigned_for_minutes_fire_and_again_only_after_a_change(
    db: Database, session: Session, settings: Settings,
) -> None:
    _scheduled(session, "Close stale", [{"field": "pending_for", "op": "at_least", "value": "3d"}],
               [{"type": "set_status", "value": "solved"}])
    _scheduled(session, "Unassigned alarm", [{"field": "unassigned_for", "op": "at_least", "value": "30m"}],
               [{"type": "set_priority", "value": "high"}])
    pending = _ticket(session, settings, "a@example.com", "Waiting on you")
    update_ticket(session, SYSTEM, pending, {"status": "pending", "assignee_id": None})
    commit(session)
    open_one = _ticket(session, settings, "b@example.com", "Nobody has it")
    run_time_rules(session, None, now() + timedelta(minutes=10))
    assert _fired(session, "Unassigned alarm") == [] and _fired(session, "Close stale") == []
    run_time_rules(session, None, now() + timedelta(minutes=31))
    assert _fired(session, "Unassigned alarm") == [open_one.id]  # the pending one is not open
    run_time_rules(session, None, now() + timedelta(days=3, minutes=1))
    session.expire_all()
    assert _fired(session, "Close stale") == [pending.id]
    assert session.get(Ticket, pending.id).status == "solved"  # type: ignore[union-attr]
    # The alarm fired once: its history holds one change, however many passes ran.
    run_time_rules(session, None, now() + timedelta(days=3, minutes=2))
    alarms = session.exec(select(AuditEntry).where(AuditEntry.actor_name == "Unassigned alarm")).all()
    assert [(a.entity_id, a.changes) for a in alarms] == [(open_one.id, {"priority": ["normal", "high"]})]


def test_saving_a_scheduled_rule_books_the_pass_which_books_the_next(
    db: Database, session: Session, settings: Settings,
) -> None:
    from desk.jobs.runner import execute_job

    _scheduled(session, "Stale", [{"field": "pending_for", "op": "at_least", "value": "2d"}],
               [{"type": "add_tags", "value": ["stale"]}])
    _scheduled(session, "Stale 2", [{"field": "pending_for", "op": "at_least", "value": "5d"}],
               [{"type": "add_tags", "value": ["stale"]}])
    jobs = session.exec(select(Job).where(Job.name == JOB)).all()
    assert len(jobs) == 1  # booked once
    assert execute_job(db, jobs[0].id) is not None  # type: ignore[arg-type]
    with db.session() as fresh:
        queued = fresh.exec(select(Job).where(Job.name == JOB).order_by(col(Job.id))).all()
        assert [j.status for j in queued] == ["done", "queued"]
        assert queued[1].run_at.replace(tzinfo=None) > now().replace(tzinfo=None) + timedelta(seconds=30)


@pytest.mark.parametrize("doc, where", [
    ({"events": ["ticket_created"], "items": [{"field": "pending_for", "op": "at_least", "value": "3d"}]},
     "conditions"),
    ({"events": ["scheduled"], "items": [{"field": "tier", "op": "is", "value": "vip"}]}, "conditions"),
    ({"events": ["scheduled", "ticket_created"],
      "items": [{"field": "pending_for", "op": "at_least", "value": "3d"}]}, "events"),
    ({"events": ["scheduled"], "items": [{"field": "pending_for", "op": "at_least", "value": "soon"}]},
     "conditions.0.value"),
])
def test_time_conditions_outside_a_scheduled_rule_or_without_a_number_are_refused(
    doc: dict[str, Any], where: str,
) -> None:
    with pytest.raises(RuleError) as refused:
        parse_rule({"name": "r", "events": doc["events"],
                    "conditions": {"match": "all", "items": doc["items"]},
                    "actions": [{"type": "stop"}]}, Known())
    assert where in refused.value.errors


def test_notifications_of_the_pass_reach_the_assignee(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    agent = make_user("agent")
    _scheduled(session, "Nudge", [{"field": "pending_for", "op": "at_least", "value": "1d"}],
               [{"type": "notify", "value": {"to": "assignee", "by": "in_app"}}])
    ticket = _ticket(session, settings, "c@example.com", "Pending")
    update_ticket(session, SYSTEM, ticket, {"status": "pending", "assignee_id": agent.id})
    commit(session)
    from desk.actions.rules.effects import Services

    for hours in (25, 26):
        run_time_rules(session, Services(settings), now() + timedelta(hours=hours))
    told = session.exec(select(Notification).where(Notification.user_id == agent.id,
                                                   Notification.kind == "rule")).all()
    assert len(told) == 1


def test_a_pass_fires_at_most_its_share_and_the_next_pass_takes_the_rest(
    db: Database, session: Session, settings: Settings,
) -> None:
    _scheduled(session, "Unassigned", [{"field": "unassigned_for", "op": "at_least", "value": "30m"}],
               [{"type": "add_tags", "value": ["waiting"]}])
    tickets = [_ticket(session, settings, f"c{n}@example.com", f"Question {n}") for n in range(3)]
    later = now() + timedelta(hours=1)
    first = run_time_rules(session, None, later, most=2)
    assert (first.fired, first.more) == (2, True)
    second = run_time_rules(session, None, later, most=2)
    assert (second.fired, second.more) == (1, False)
    assert _fired(session, "Unassigned") == sorted(t.id for t in tickets)  # type: ignore[misc]


def test_no_agent_reply_counts_from_the_customers_message_after_an_answer_too(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    from desk.actions.ingest.one import add_customer_reply

    agent = make_user("agent")
    _scheduled(session, "Waiting on us", [{"field": "no_agent_reply_for", "op": "at_least", "value": "2h"}],
               [{"type": "add_tags", "value": ["waiting"]}])
    ticket = _ticket(session, settings, "d@example.com", "Login fails")
    add_agent_reply(session, settings, Actor.of_user(agent), agent, ticket, "Try again?", internal=False)
    commit(session)
    assert run_time_rules(session, None, now() + timedelta(hours=3)).fired == 0  # answered: we wait on them
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None
    add_customer_reply(session, settings, ticket, customer, "Still failing.")
    commit(session)
    assert run_time_rules(session, None, now() + timedelta(hours=1)).fired == 0
    assert run_time_rules(session, None, now() + timedelta(hours=3)).fired == 1
    assert _fired(session, "Waiting on us") == [ticket.id]


def test_stop_in_a_scheduled_rule_keeps_the_later_ones_off_that_ticket_in_the_pass(
    db: Database, session: Session, settings: Settings,
) -> None:
    _scheduled(session, "VIP first", [{"field": "unassigned_for", "op": "at_least", "value": "30m"},
                                      {"field": "tier", "op": "is", "value": "vip"}],
               [{"type": "add_tags", "value": ["vip-waiting"]}, {"type": "stop"}])
    _scheduled(session, "Everyone", [{"field": "unassigned_for", "op": "at_least", "value": "30m"}],
               [{"type": "add_tags", "value": ["waiting"]}])
    vip = _ticket(session, settings, "v@example.com", "Help", tier="vip")
    other = _ticket(session, settings, "o@example.com", "Help")
    run_time_rules(session, None, now() + timedelta(hours=1))
    assert _fired(session, "VIP first") == [vip.id] and _fired(session, "Everyone") == [other.id]
