"""Each ticket's SLA clocks: started when it is created (the default policy, or the one a
rule sets), moved when its priority changes, standing while it is pending or on hold, and
settled by the first public reply and the solve. Everything counts business hours of the
policy's calendar. Handlers of the ticket events call these after the change committed."""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from desk.actions.sla.calendar import (
    Calendar,
    NeverOpen,
    add_business_minutes,
    business_minutes_between,
)
from desk.db import commit
from desk.models import Customer, SlaPolicy, Status, Ticket, TicketSla
from desk.models.base import aware, now

PAUSED = (Status.pending, Status.on_hold)
KINDS = ("first_response", "resolution")
VIP_SHARE = 0.5  # a VIP customer's targets are half as long, unless the policy names theirs


def calendar_of(policy: SlaPolicy) -> Calendar:
    hours = json.loads(policy.hours) if policy.hours else None
    closed = frozenset(date.fromisoformat(d) for d in json.loads(policy.closed or "[]"))
    if hours:
        return Calendar(zone=policy.zone, country=policy.country, closed=closed,
                        hours=tuple(tuple((int(a), int(b)) for a, b in day) for day in hours))
    return Calendar(zone=policy.zone, country=policy.country, closed=closed)


def target_minutes(policy: SlaPolicy, kind: str, priority: str, tier: str) -> float | None:
    """Business minutes the policy gives `kind` for a ticket of this priority and tier."""
    targets: dict[str, Any] = json.loads(policy.targets or "{}")
    named = targets.get(f"{kind}_{tier}", {}).get(priority) if tier else None
    if named is not None:
        return float(named)
    base = targets.get(kind, {}).get(priority)
    if base is None:
        return None
    return float(base) * (VIP_SHARE if tier == "vip" else 1.0)


def default_policy(session: Session) -> SlaPolicy | None:
    return session.exec(select(SlaPolicy).where(col(SlaPolicy.is_default).is_(True))
                        .order_by(col(SlaPolicy.id))).first()


def start_clocks(session: Session, ticket: Ticket, policy: SlaPolicy) -> TicketSla:
    """Set (or reset) the ticket's due times under `policy`, counted from its creation."""
    assert ticket.id is not None and policy.id is not None
    clocks = session.get(TicketSla, ticket.id) or TicketSla(ticket_id=ticket.id, policy_id=policy.id)
    clocks.policy_id = policy.id
    _set_due(session, clocks, ticket, policy)
    session.add(clocks)
    return clocks


def _set_due(session: Session, clocks: TicketSla, ticket: Ticket, policy: SlaPolicy) -> None:
    customer = session.get(Customer, ticket.customer_id)
    tier = customer.tier if customer is not None else ""
    calendar = calendar_of(policy)
    for kind in KINDS:
        minutes = target_minutes(policy, kind, ticket.priority, tier)
        try:
            due = (add_business_minutes(calendar, aware(ticket.created_at), minutes)
                   if minutes is not None else None)
        except NeverOpen:
            due = None
        setattr(clocks, f"{kind}_due_at", due)


def ticket_created(session: Session, ticket_id: int) -> None:
    """Start the default policy's clocks, unless a rule gave the ticket a policy already."""
    ticket = session.get(Ticket, ticket_id)
    policy = default_policy(session)
    if ticket is None or policy is None or session.get(TicketSla, ticket_id) is not None:
        return
    start_clocks(session, ticket, policy)
    commit(session)


def ticket_updated(session: Session, ticket_id: int, changes: dict[str, list[Any]]) -> None:
    """Priority moved: new due times; status: pause, resume (the time paused added back), or
    settle the resolution clock on a solve."""
    clocks = session.get(TicketSla, ticket_id)
    ticket = session.get(Ticket, ticket_id)
    policy = session.get(SlaPolicy, clocks.policy_id) if clocks is not None else None
    if clocks is None or ticket is None or policy is None:
        return
    moment = now()
    if "priority" in changes:
        paused_due = clocks.resolution_due_at if clocks.paused_at else None
        _set_due(session, clocks, ticket, policy)
        if paused_due is not None:
            clocks.resolution_due_at = paused_due
    if "status" in changes:
        before, after = changes["status"]
        if after in PAUSED and clocks.paused_at is None:
            clocks.paused_at = moment
        elif after not in PAUSED and clocks.paused_at is not None:
            _resume(clocks, calendar_of(policy), moment)
        if after in (Status.solved, Status.closed) and clocks.resolution_met is None \
                and clocks.resolution_due_at is not None:
            clocks.resolution_met = moment <= aware(clocks.resolution_due_at)
    session.add(clocks)
    commit(session)


def _resume(clocks: TicketSla, calendar: Calendar, moment: datetime) -> None:
    """The resolution due time moves by the business time the ticket stood paused."""
    assert clocks.paused_at is not None
    if clocks.resolution_due_at is not None and clocks.resolution_met is None:
        stood = business_minutes_between(calendar, aware(clocks.paused_at), moment)
        with contextlib.suppress(NeverOpen):
            clocks.resolution_due_at = add_business_minutes(
                calendar, aware(clocks.resolution_due_at), stood)
    clocks.paused_at = None


def agent_replied(session: Session, ticket_id: int) -> None:
    """The first public reply settles the first-response clock."""
    clocks = session.get(TicketSla, ticket_id)
    if clocks is None or clocks.first_response_met is not None or clocks.first_response_due_at is None:
        return
    clocks.first_response_met = now() <= aware(clocks.first_response_due_at)
    session.add(clocks)
    commit(session)
