"""The scheduled pass of the rules on time ("pending for 3 days", "unassigned for 30
minutes", "no agent reply for 1 hour"): each enabled scheduled rule finds its tickets through
an index per time condition (queries.rules_time), tests the rest of its conditions on facts
read in batches, and fires once per ticket per state: the firing is kept with the ticket's
version, and the next pass leaves the ticket alone until it changes.

The pass is the `run_time_rules` job: each run books the next (PASS_SECONDS later) while a
scheduled rule is enabled, and saving one books it if none is waiting, so the pass survives
restarts as any queued job does."""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from desk.actions.jobs import enqueue
from desk.actions.rules.applying import fire, known_names, plan, spec_of, timing
from desk.actions.rules.definition import TIME_FIELDS, Condition, RuleError, RuleSpec, seconds_of
from desk.actions.rules.effects import Services
from desk.actions.rules.matching import Facts, fold, matcher
from desk.actions.sla.clocks import ticket_calendar
from desk.db import commit
from desk.models import Rule, RuleTimeFiring, Ticket
from desk.models.base import now
from desk.queries import rules_time as reads

JOB = "run_time_rules"
PASS_SECONDS = 60
BATCH = 200
# A pass starts no batch after this many seconds or firings: it ends within about a minute
# however many tickets a new rule holds for (and well inside the job runner's ten minutes,
# after which a running job counts as abandoned and would run twice); the tickets left over
# fire on the next pass, booked at once.
PASS_BUDGET_SECONDS = 40.0
MOST_FIRINGS = 5000
# Conditions the candidates' SQL narrows by as well (exact values, stored lower-case).
_PUSHED = {"status": "status", "priority": "priority", "channel": "channel", "tier": "tier"}


@dataclass(frozen=True)
class PassOutcome:
    rules: int
    candidates: int
    fired: int
    more: bool = False  # tickets were left for the next pass (MOST_FIRINGS)


def book_pass(session: Session, delay: float = 0.0) -> None:
    """Queue the next pass unless one waits; the caller commits."""
    if not reads.pass_waiting(session, JOB):
        enqueue(session, JOB, run_at=now() + timedelta(seconds=delay))


def run_time_rules(session: Session, services: Services | None, moment: datetime | None = None,
                   most: int = MOST_FIRINGS, budget: float = PASS_BUDGET_SECONDS) -> PassOutcome:
    """One pass of every enabled scheduled rule; commits after each batch of tickets. Starts
    no batch after `most` firings or `budget` seconds (`more` says tickets were left)."""
    started = time.monotonic()
    moment = moment or now()
    rules = reads.scheduled_rules(session)
    known = known_names(session)
    candidates = fired = 0
    stopped: set[int] = set()  # tickets a rule with "stop" fired on: no later rule in this pass
    for rule in rules:
        try:
            spec = spec_of(rule, known)
        except RuleError:  # names a team or agent that is gone: the rule's page says so
            continue
        assert rule.id is not None
        times, equal = _narrowing(spec)
        ids = reads.candidate_ids(session, rule.id, times, equal, moment)
        candidates += len(ids)
        for start in range(0, len(ids), BATCH):
            fired += _batch(session, services, rule.id, spec, ids[start:start + BATCH], moment,
                            most - fired, stopped)
            commit(session)
            if fired >= most or time.monotonic() - started > budget:
                return PassOutcome(len(rules), candidates, fired, more=True)
    return PassOutcome(len(rules), candidates, fired)


def _narrowing(spec: RuleSpec) -> tuple[list[tuple[str, int]], dict[str, str]]:
    """(time conditions as (field, seconds), exact values required) of the top "all" group."""
    top = [c for c in spec.conditions.items if isinstance(c, Condition)]
    times = [(c.field, seconds_of(c.value)) for c in top if c.field in TIME_FIELDS]
    equal = {_PUSHED[c.field]: fold(c.value) for c in top if c.field in _PUSHED and c.op == "is"}
    return times, equal


def _batch(session: Session, services: Services | None, rule_id: int, spec: RuleSpec,
           ids: Sequence[int], moment: datetime, budget: int, stopped: set[int]) -> int:
    """Fire the rule on those of `ids` its conditions hold for (not on `stopped` ones), at most
    `budget` of them; adds to `stopped` the tickets it fired on when it says "stop"."""
    rule = session.get(Rule, rule_id)
    assert rule is not None
    test = matcher(spec.conditions)
    tickets = reads.tickets_by_id(session, ids)
    facts = facts_of_many(session, tickets, moment, needs_body=_reads_body(spec))
    earlier = reads.firings(session, rule_id, ids)
    fired = 0
    # Each ticket's writes wait for the batch's commit (one flush of the batch, not one before
    # every read of the next ticket): the tickets of a batch are distinct, none reads another's.
    with session.no_autoflush:
        for ticket, each in zip(tickets, facts, strict=True):
            if fired >= budget:
                break
            if ticket.id in stopped or not test(each):
                continue
            changes, tags, stop = plan(session, spec, ticket, each)
            before = ticket.version
            fire(session, services, rule, spec, ticket, each, (changes, tags), [rule_id])
            assert ticket.id is not None
            row = earlier.get(ticket.id) or RuleTimeFiring(rule_id=rule_id, ticket_id=ticket.id)
            # A change raises the version by an SQL expression, known as a number after the flush.
            row.version = ticket.version if isinstance(ticket.version, int) else before + 1
            row.fired_at = moment
            session.add(row)
            fired += 1
            if stop:
                stopped.add(ticket.id)
    return fired


def _reads_body(spec: RuleSpec) -> bool:
    def fields(items: tuple[object, ...]) -> set[str]:
        out: set[str] = set()
        for item in items:
            out |= {item.field} if isinstance(item, Condition) else fields(getattr(item, "items", ()))
        return out

    return "body" in fields(spec.conditions.items)


def facts_of_many(session: Session, tickets: Sequence[Ticket], moment: datetime,
                  needs_body: bool) -> list[Facts]:
    """Every ticket's facts, read in one query per kind (not one per ticket)."""
    ids = [t.id for t in tickets if t.id is not None]
    customers = reads.customers_by_id(session, [t.customer_id for t in tickets])
    organizations = reads.organization_names(
        session, [c.organization_id for c in customers.values() if c.organization_id is not None])
    mailboxes = reads.mailbox_names(session)
    tags = reads.tags_of(session, ids)
    texts = reads.first_texts(session, ids) if needs_body else {}
    answered = [t.id for t in tickets if t.id is not None and t.first_response_at is not None]
    spoke_last = reads.customer_spoke_last(session, answered) if answered else set()
    out = []
    for ticket in tickets:
        assert ticket.id is not None
        customer = customers.get(ticket.customer_id)
        idle, unanswered = timing(ticket, moment, ticket.id in spoke_last)
        out.append(Facts(
            channel=ticket.channel, mailbox=mailboxes.get(ticket.mailbox_id or 0, ""),
            subject=ticket.subject, body=texts.get(ticket.id, ""),
            sender=customer.email if customer else "", tier=customer.tier if customer else "",
            organization=organizations.get(customer.organization_id or 0, "") if customer else "",
            tags=frozenset(tags.get(ticket.id, ())), status=ticket.status, priority=ticket.priority,
            team=str(ticket.team_id or ""), assignee=str(ticket.assignee_id or ""),
            language=(customer.locale if customer else "")[:2], idle=idle, unanswered=unanswered,
            at=moment, calendar=functools.partial(ticket_calendar, session, ticket),
            ticket_fields=dict(ticket.fields or {}),
            customer_fields=dict(customer.fields or {}) if customer else {}))
    return out
