"""Routing rules on more events (issue 13): a ticket updated, an agent's reply; rules that keep
changing each other's fields stop with the reason in the history; rules that reply to the
customer from a template and notify staff."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, col, select

from channels.message import Identity, InboundMessage, ThreadKeys
from desk.actions.audit import SYSTEM, Actor
from desk.actions.ingest.one import ingest_message
from desk.actions.rules.definition import Known, RuleError, parse_rule
from desk.actions.rules.manage import create_rule
from desk.actions.tickets.changes import add_agent_reply, update_ticket
from desk.db import Database, commit
from desk.jobs.runner import due_jobs, execute_job
from desk.models import (
    AuditEntry,
    Customer,
    Message,
    Notification,
    OutboundMessage,
    Team,
    TeamMembership,
    Ticket,
    User,
)
from desk.settings import Settings


def _run_jobs(db: Database, rounds: int = 30) -> int:
    """Run due jobs until none is left; how many rounds that took."""
    for done in range(rounds):
        ids = due_jobs(db)
        if not ids:
            return done
        for job_id in ids:
            execute_job(db, job_id)
    return rounds


def _mail(sender: str, subject: str, text: str, name: str = "") -> InboundMessage:
    return InboundMessage("email", Identity("email", sender, name or sender.split("@")[0]), subject, text,
                          thread=ThreadKeys(message_id=f"<{time.perf_counter_ns()}@example.com>"))


def _rule(session: Session, name: str, events: list[str], items: list[dict[str, Any]],
          actions: list[dict[str, Any]]) -> None:
    create_rule(session, SYSTEM, {"name": name, "events": events,
                                  "conditions": {"match": "all", "items": items}, "actions": actions})


def _history(session: Session, ticket_id: int) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).where(
        AuditEntry.entity == "ticket", AuditEntry.entity_id == ticket_id).order_by(col(AuditEntry.id))))


def test_two_rules_flipping_priority_stop_with_the_reason_in_the_history(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    _rule(session, "High to low", ["ticket_updated"], [{"field": "priority", "op": "is", "value": "high"}],
          [{"type": "set_priority", "value": "low"}])
    _rule(session, "Low to high", ["ticket_updated"], [{"field": "priority", "op": "is", "value": "low"}],
          [{"type": "set_priority", "value": "high"}])
    agent = make_user("agent")
    ticket, _ = ingest_message(session, settings, _mail("ann@example.com", "Printer", "It jams"))
    commit(session)
    _run_jobs(db)
    update_ticket(session, Actor.of_user(agent), ticket, {"priority": "high"})
    commit(session)
    assert _run_jobs(db) < 30  # the jobs end: no endless chain
    with db.session() as fresh:
        history = _history(fresh, ticket.id)  # type: ignore[arg-type]
        stopped = [h for h in history if h.action == "rules_stopped"]
        assert len(stopped) == 1
        assert "would change this ticket again" in str(stopped[0].changes)
        fired = [h.actor_name for h in history if h.actor_type == "rule" and h.action == "updated"]
        assert fired == ["High to low", "Low to high"]  # each once


def test_a_rule_on_ticket_updated_follows_another_rules_change_once_without_a_loop(
    db: Database, session: Session, settings: Settings,
) -> None:
    team = Team(name="Billing")
    session.add(team)
    commit(session)
    _rule(session, "Refunds to Billing", ["ticket_created"],
          [{"field": "subject", "op": "contains", "value": "refund"}],
          [{"type": "set_team", "value": team.id}])
    _rule(session, "Billing tickets tagged", ["ticket_updated"],
          [{"field": "team", "op": "is", "value": str(team.id)}], [{"type": "add_tags", "value": ["money"]}])
    ticket, _ = ingest_message(session, settings, _mail("ann@example.com", "Refund please", "Hi"))
    commit(session)
    _run_jobs(db)
    with db.session() as fresh:
        history = _history(fresh, ticket.id)  # type: ignore[arg-type]
        assert [(h.actor_name, sorted(h.changes)) for h in history if h.actor_type == "rule"] == [
            ("Refunds to Billing", ["team_id"]), ("Billing tickets tagged", ["tags"])]
        assert not [h for h in history if h.action == "rules_stopped"]


def test_a_rule_runs_when_an_agent_replies(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    _rule(session, "Answered", ["agent_replied"], [{"field": "body", "op": "contains", "value": "refund"}],
          [{"type": "add_tags", "value": ["refund-promised"]}, {"type": "set_status", "value": "pending"}])
    agent = make_user("agent")
    ticket, _ = ingest_message(session, settings, _mail("ann@example.com", "Order", "Where is it?"))
    commit(session)
    add_agent_reply(session, settings, Actor.of_user(agent), agent, ticket,
                    "We will refund you today.", internal=False)
    commit(session)
    _run_jobs(db)
    with db.session() as fresh:
        row = fresh.get(Ticket, ticket.id)
        assert row is not None and row.status == "pending"


def test_a_rule_replies_in_the_customers_language_and_notifies_the_team(
    db: Database, session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    agents = [make_user("agent", name="Li Na"), make_user("agent", name="Bob")]
    team = Team(name="Billing")
    session.add(team)
    session.flush()
    for agent in agents:
        session.add(TeamMembership(team_id=team.id, user_id=agent.id))
    commit(session)
    _rule(session, "Acknowledge refunds", ["ticket_created"],
          [{"field": "subject", "op": "any_words", "value": "refund 退款"}],
          [{"type": "set_team", "value": team.id},
           {"type": "reply", "value": {"en": "Dear {{customer.name}}, refund #{{ticket.number}} noted.",
                                       "zh": "{{customer.name}}，您好：退款 #{{ticket.number}} 已收到。"}},
           {"type": "notify", "value": {"to": "team", "by": "email", "note": "Refund asked"}}])
    ingest_message(session, settings, _mail("wang@example.cn", "hello", "first", name="王芳"))
    commit(session)
    customer = session.exec(select(Customer).where(Customer.email == "wang@example.cn")).one()
    customer.locale = "zh_CN"
    session.add(customer)
    commit(session)
    ticket, _ = ingest_message(session, settings, _mail("wang@example.cn", "我要退款", "订单 12"))
    commit(session)
    _run_jobs(db)
    with db.session() as fresh:
        reply = fresh.exec(select(Message).where(Message.ticket_id == ticket.id,
                                                 Message.direction == "outbound")).one()
        assert reply.text == f"王芳，您好：退款 #{ticket.id} 已收到。"
        mails = fresh.exec(select(OutboundMessage).where(OutboundMessage.ticket_id == ticket.id)).all()
        kinds = sorted((m.kind, m.to_address) for m in mails)
        assert ("reply", "wang@example.cn") in kinds
        assert sorted(a for k, a in kinds if k == "notification") == sorted(a.email for a in agents)
        told = fresh.exec(select(Notification.user_id).where(Notification.ticket_id == ticket.id,
                                                             Notification.kind == "rule")).all()
        assert sorted(told) == sorted(a.id for a in agents)
        said = [h.action for h in _history(fresh, ticket.id) if h.actor_type == "rule"]  # type: ignore[arg-type]
        assert "replied" in said and "notified" in said


@pytest.mark.parametrize("action, reason", [
    ({"type": "reply", "value": {"en": "Hi {{customer.shoe_size}}"}}, "Unknown placeholder"),
    ({"type": "reply", "value": {"en": " ", "zh": ""}}, "Write the reply"),
    ({"type": "notify", "value": {"to": 99, "by": "email"}}, "an active agent"),
    ({"type": "notify", "value": {"to": "team", "by": "pigeon"}}, "by email"),
])
def test_a_reply_or_notification_that_could_not_be_sent_is_refused_when_saved(
    action: dict[str, Any], reason: str,
) -> None:
    with pytest.raises(RuleError) as refused:
        parse_rule({"name": "r", "actions": [action]}, Known(agents={1}))
    assert reason in refused.value.errors["actions.0.value"]


def test_a_reply_adds_the_articles_the_search_finds_for_the_subject(
    session: Session, settings: Settings,
) -> None:
    from desk.actions.rules.applying import run_rules
    from desk.actions.rules.effects import Services

    asked: list[tuple[str, str]] = []

    def find_articles(text: str, locale: str) -> list[tuple[str, str]]:
        asked.append((text, locale))
        return [("How refunds work", "http://testserver/help/articles/3-refunds")]

    _rule(session, "Refund help", ["ticket_created"],
          [{"field": "subject", "op": "contains", "value": "refund"}],
          [{"type": "reply", "value": {"en": "Hello {{customer.name}}, these may help:", "articles": True}}])
    ticket, _ = ingest_message(session, settings, _mail("ann@example.com", "Refund please", "Order 5",
                                                        name="Ann"))
    commit(session)
    assert ticket.id is not None
    run_rules(session, ticket.id, "ticket_created", services=Services(settings, find_articles))
    reply = session.exec(select(Message).where(Message.ticket_id == ticket.id,
                                               Message.direction == "outbound")).one()
    assert reply.text == ("Hello Ann, these may help:\n\n"
                          "- How refunds work: http://testserver/help/articles/3-refunds")
    assert asked and asked[0][0].startswith("Refund please")


def test_a_rule_on_chat_started_runs_for_a_new_chat_and_not_for_mail(
    db: Database, session: Session, settings: Settings,
) -> None:
    _rule(session, "Chats tagged", ["chat_started"], [], [{"type": "add_tags", "value": ["chat"]}])
    chat, _ = ingest_message(session, settings, InboundMessage(
        "chat", Identity("email", "kim@example.com", "Kim"), "Hello", "Are you there?",
        thread=ThreadKeys(message_id=f"<{time.perf_counter_ns()}@chat>")))
    mail, _ = ingest_message(session, settings, _mail("ann@example.com", "Hello", "By mail"))
    commit(session)
    _run_jobs(db)
    with db.session() as fresh:
        tagged = [h.entity_id for h in fresh.exec(select(AuditEntry).where(
            AuditEntry.actor_name == "Chats tagged"))]
        assert tagged == [chat.id] and mail.id not in tagged


def test_a_low_survey_rating_runs_a_rule_on_survey_answered_and_other_events_cannot_ask_it(
    session: Session, settings: Settings, make_user: Callable[..., User],
) -> None:
    from desk.actions.rules.applying import run_rules

    _rule(session, "Unhappy customer", ["survey_answered"],
          [{"field": "rating", "op": "at_most", "value": "2"}],
          [{"type": "set_priority", "value": "high"}, {"type": "add_tags", "value": ["unhappy"]}])
    ticket, _ = ingest_message(session, settings, _mail("ann@example.com", "Thanks", "Done"))
    commit(session)
    assert ticket.id is not None
    assert run_rules(session, ticket.id, "survey_answered", rating=4) == []
    fired = run_rules(session, ticket.id, "survey_answered", rating=1)
    assert [f.rule for f in fired] == ["Unhappy customer"]
    with pytest.raises(RuleError) as refused:
        parse_rule({"name": "r", "events": ["ticket_created"],
                    "conditions": {"match": "all", "items": [{"field": "rating", "op": "is", "value": "1"}]},
                    "actions": [{"type": "stop"}]}, Known())
    assert "only when a customer answers a survey" in refused.value.errors["conditions"]
