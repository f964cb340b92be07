"""Running the rules on a ticket event: each enabled rule in order, its actions applied
through the same ticket action an agent's edit goes through (so every firing lands in the
ticket's history as "Rule 'name'" with what it changed), "stop" ending the run.

Rules run after the change that recorded their event committed (desk.handlers.rules): a rule
that fails never blocks intake. Their own changes publish TicketUpdated carrying the chain of
rules that made them; a rule fires once per chain, and one that would change the ticket again
stops the run with the reason in the history, so rules cannot set each other off in a loop."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from desk.actions.assignment import assign
from desk.actions.audit import Actor, record
from desk.actions.rules.definition import FieldSpec, Group, Known, RuleError, RuleSpec, parse_rule
from desk.actions.rules.effects import Services, notify, send_reply
from desk.actions.rules.matching import Facts, matcher, set_matcher
from desk.actions.rules.messages import reply_text
from desk.actions.sla.clocks import start_clocks, ticket_calendar
from desk.actions.tickets.changes import update_ticket
from desk.db import commit
from desk.i18n import _
from desk.models import (
    Customer,
    Direction,
    Mailbox,
    Message,
    Organization,
    Rule,
    SlaPolicy,
    Ticket,
)
from desk.models.base import aware, now
from desk.queries.rules import (
    assignable_agents,
    customer_field_keys,
    last_ticket_action,
    list_rules,
    policy_ids,
    team_ids,
    ticket_field_specs,
)
from desk.queries.rules_time import customer_spoke_last
from desk.queries.tickets.queue import ticket_tags

# The most rule firings one change may lead to (each rule fires once in a chain anyway).
MAX_CHAIN = 10


@dataclass(frozen=True)
class Firing:
    rule_id: int
    rule: str
    changes: dict[str, Any]


def run_rules(session: Session, ticket_id: int, event: str, message_id: int | None = None,
              chain: Sequence[int] = (), services: Services | None = None,
              rating: int = 0) -> list[Firing]:
    """Apply the enabled rules for `event` to the ticket and commit; what fired. `chain`: the
    rules whose firings led to this event (a TicketUpdated's); each fires once in a chain, so
    rules that keep changing each other's fields stop, with the reason in the history."""
    rules = [r for r in list_rules(session, enabled_only=True) if event in r.events.split(",")]
    ticket = session.get(Ticket, ticket_id)
    if not rules or ticket is None:
        return []
    if len(chain) >= MAX_CHAIN:
        _stop_loop(session, ticket_id, rules[0], _("More than %(count)s rule firings followed one "
                                                   "change: the rules stopped.") % {"count": MAX_CHAIN})
        commit(session)
        return []
    facts = facts_of(session, ticket, message_id)
    if rating:  # a survey answer's
        facts = replace(facts, rating=rating, texts={}, words={})
    known = known_names(session)
    specs: list[RuleSpec | RuleError] = []
    for rule in rules:
        try:
            specs.append(spec_of(rule, known))
        except RuleError as exc:
            specs.append(exc)
    # Every rule's conditions in one call; asked again only when a firing changed the facts.
    test = set_matcher(tuple(s.conditions if isinstance(s, RuleSpec) else Group("any")
                             for s in specs))
    held = test(facts)
    fired: list[Firing] = []
    fired_ids = list(chain)
    for index, (rule, spec) in enumerate(zip(rules, specs, strict=True)):
        if isinstance(spec, RuleError):  # a team or agent it names is gone: recorded, never blocking
            record(session, actor_of(rule), "ticket", ticket_id, "rule_skipped",
                   {"reason": [None, str(spec)]})
            continue
        if not held[index]:
            continue
        again = rule.id in chain
        changes, tags, stop = plan(session, spec, ticket, facts, advance=not again)
        if again:  # it fired earlier in this chain: firing again would be a loop
            if tags is not None or any(getattr(ticket, k) != v for k, v in changes.items()):
                _stop_loop(session, ticket_id, rule, _("Rule '%(rule)s' would change this ticket again "
                                                       "after its own change: the rules stopped.")
                           % {"rule": rule.name})
                break
            continue
        fired_ids.append(rule.id or 0)
        if fire(session, services, rule, spec, ticket, facts, (changes, tags), fired_ids):
            fired.append(Firing(rule.id or 0, rule.name, changes))
            facts = refreshed(facts, ticket, tags)
            held = test(facts)
        if stop:
            break
    commit(session)
    return fired


def fire(session: Session, services: Services | None, rule: Rule, spec: RuleSpec, ticket: Ticket,
         facts: Facts, planned: tuple[dict[str, Any], list[str] | None], chain: Sequence[int]) -> bool:
    """Carry out a matching rule's planned changes, SLA policy, replies and notifications, each
    in the ticket's history as the rule's; whether anything happened."""
    changes, tags = planned
    events = update_ticket(session, actor_of(rule), ticket, changes, tags, chain=chain)
    policy = _policy(session, spec)
    if policy is not None:  # the SLA policy this rule chooses: clocks (re)started under it
        start_clocks(session, ticket, policy)
        assert ticket.id is not None
        record(session, actor_of(rule), "ticket", ticket.id, "sla_policy_set",
               {"sla_policy": [None, policy.name]})
    said = _say(session, services, spec, rule, ticket, facts)
    return bool(events) or policy is not None or said


def _say(session: Session, services: Services | None, spec: RuleSpec, rule: Rule, ticket: Ticket,
         facts: Facts) -> bool:
    """The rule's replies and notifications (none without services: a dry run, a bench)."""
    said = False
    for action in spec.actions:
        if services is None or action.type not in ("reply", "notify"):
            continue
        if action.type == "reply":
            sent = send_reply(session, services, actor_of(rule), ticket, action.value, facts.body)
            said = sent is not None or said
        else:
            said = bool(notify(session, services, actor_of(rule), ticket, action.value)) or said
    return said


def _stop_loop(session: Session, ticket_id: int, rule: Rule, reason: str) -> None:
    """Record why the rules stopped, once for a chain (its later events find it last)."""
    if last_ticket_action(session, ticket_id) != "rules_stopped":
        record(session, actor_of(rule), "ticket", ticket_id, "rules_stopped", {"reason": [None, reason]})


def dry_run(session: Session, spec: RuleSpec,
            tickets: Sequence[Ticket]) -> list[tuple[Ticket, dict[str, Any]]]:
    """Which of `tickets` the draft would match and what it would change (nothing written;
    round-robin shows the next agent in turn without advancing the turn)."""
    out = []
    test = matcher(spec.conditions)
    # "Within business hours": when the ticket came in, or now for a rule on the scheduled pass.
    at = now() if "scheduled" in spec.events else None
    for ticket in tickets:
        facts = facts_of(session, ticket, None, timed=True, at=at or aware(ticket.created_at))
        if test(facts):
            changes, tags, _stop = plan(session, spec, ticket, facts, advance=False)
            shown = {k: v for k, v in changes.items() if k != "fields" and getattr(ticket, k) != v}
            shown.update({f"fields.{k}": v for k, v in changes.get("fields", {}).items()
                          if (ticket.fields or {}).get(k) != v})
            if tags is not None:
                shown["tags"] = sorted(tags)
            for action in spec.actions:  # what it would say, and to whom
                if action.type == "reply":
                    shown["reply"] = reply_text(action.value, facts.language)[:100]
                elif action.type == "notify":
                    shown["notify"] = action.value.get("to")
            out.append((ticket, shown))
    return out


def _policy(session: Session, spec: RuleSpec) -> SlaPolicy | None:
    chosen = [a.value for a in spec.actions if a.type == "set_sla"]
    return session.get(SlaPolicy, chosen[-1]) if chosen else None


def known_names(session: Session) -> Known:
    """What rules on this desk may name (teams, agents, policies, custom fields)."""
    return Known(team_ids(session), assignable_agents(session), policy_ids(session),
                 tuple(FieldSpec(*spec) for spec in ticket_field_specs(session)),
                 customer_field_keys(session))


def spec_of(rule: Rule, known: Known) -> RuleSpec:
    """The rule as it runs (RuleError when it could not: a team or agent it names is gone).
    Parsed once per rule version and desk (its regular expressions are tried on hostile text
    when parsed): every ticket event runs every rule."""
    fixed = Known(frozenset(known.teams), frozenset(known.agents), frozenset(known.policies),
                  tuple(sorted(known.ticket_fields)), frozenset(known.customer_fields))
    return _parsed(rule.name, rule.enabled, rule.events, rule.conditions, rule.actions, fixed)


@functools.lru_cache(maxsize=1024)
def _parsed(name: str, enabled: bool, events: str, conditions: str, actions: str, known: Known) -> RuleSpec:
    doc = {"name": name, "enabled": enabled, "events": events.split(","),
           "conditions": json.loads(conditions or "{}"), "actions": json.loads(actions or "[]")}
    return parse_rule(doc, known)


def plan(session: Session, spec: RuleSpec, ticket: Ticket, facts: Facts,
         advance: bool = True) -> tuple[dict[str, Any], list[str] | None, bool]:
    """(field changes, the full new tag list or None, stop) the rule's actions come to."""
    changes: dict[str, Any] = {}
    tags: set[str] | None = None
    stop = False
    for action in spec.actions:
        if action.type == "set_team":
            changes["team_id"] = action.value
        elif action.type == "set_priority":
            changes["priority"] = action.value
        elif action.type == "set_status":
            changes["status"] = action.value
        elif action.type == "add_tags":
            tags = (tags if tags is not None else set(facts.tags)) | set(action.value)
        elif action.type == "set_field":  # every value, so that "no change" compares equal
            values = changes.get("fields", dict(ticket.fields or {}))
            changes["fields"] = {**values, action.value["key"]: action.value["value"]}
        elif action.type == "assign":
            agent = assign(session, spec, action.value, changes.get("team_id", ticket.team_id), ticket,
                           tags if tags is not None else facts.tags, advance)
            if agent is not None:
                changes["assignee_id"] = agent
        elif action.type == "stop":
            stop = True
    return changes, sorted(tags) if tags is not None and tags != set(facts.tags) else None, stop


def facts_of(session: Session, ticket: Ticket, message_id: int | None, timed: bool = False,
             at: datetime | None = None) -> Facts:
    """The ticket's facts; `timed`: with what the time conditions read exactly (a dry run of a
    scheduled rule; event rules have none). `at`: when the event happened (now when not
    given; a dry run passes the ticket's creation), for "within business hours"."""
    assert ticket.id is not None
    customer = session.get(Customer, ticket.customer_id)
    message = session.get(Message, message_id) if message_id is not None else session.exec(
        select(Message).where(Message.ticket_id == ticket.id, Message.direction == Direction.inbound)
        .order_by(col(Message.id)).limit(1)).first()
    organization = (session.get(Organization, customer.organization_id)
                    if customer is not None and customer.organization_id is not None else None)
    mailbox = session.get(Mailbox, ticket.mailbox_id) if ticket.mailbox_id is not None else None
    spoke_last = (timed and ticket.first_response_at is not None
                  and bool(customer_spoke_last(session, [ticket.id])))
    idle, unanswered = timing(ticket, now(), spoke_last)
    return Facts(
        channel=ticket.channel, mailbox=mailbox.name if mailbox is not None else "",
        subject=ticket.subject, body=message.text if message is not None else "",
        sender=customer.email if customer is not None else "",
        tier=customer.tier if customer is not None else "",
        organization=organization.name if organization is not None else "",
        tags=frozenset(ticket_tags(session, ticket.id)), status=ticket.status,
        priority=ticket.priority, team=_id(ticket.team_id), assignee=_id(ticket.assignee_id),
        language=(customer.locale if customer is not None else "")[:2], idle=idle, unanswered=unanswered,
        at=at or now(), calendar=functools.partial(ticket_calendar, session, ticket),
        ticket_fields=dict(ticket.fields or {}),
        customer_fields=dict(customer.fields or {}) if customer is not None else {})


def timing(ticket: Ticket, moment: datetime, customer_spoke_last: bool) -> tuple[float, float]:
    """The facts the time conditions read: seconds since the last change, and how long the
    customer has waited on the desk (-1: not waiting): since the ticket came in while no public
    reply was given; after one, since the last change when the customer's message is the last
    public one."""
    idle = (moment - aware(ticket.updated_at)).total_seconds()
    if ticket.first_response_at is None:
        waiting = (moment - aware(ticket.created_at)).total_seconds()
    else:
        waiting = idle if customer_spoke_last else -1.0
    return idle, waiting


def refreshed(facts: Facts, ticket: Ticket, tags: list[str] | None) -> Facts:
    """The facts after a rule's changes, for the rules after it."""
    return replace(facts, status=ticket.status, priority=ticket.priority, team=_id(ticket.team_id),
                   assignee=_id(ticket.assignee_id), ticket_fields=dict(ticket.fields or {}),
                   tags=frozenset(tags) if tags is not None else facts.tags, texts={}, words={})


def _id(value: int | None) -> str:
    return str(value) if value is not None else ""


def actor_of(rule: Rule) -> Actor:
    return Actor("rule", rule.id, rule.name)
