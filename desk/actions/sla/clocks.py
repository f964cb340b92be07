"""Each ticket's SLA clocks: first response and resolution started when it is created (the
default policy, or the one a rule sets), next response started by a customer's message after
the desk's public reply; moved when the priority changes, standing while the ticket is pending
or on hold, settled by public replies and the solve. Everything counts business hours of the
policy's calendar. Handlers of the ticket events call these after the change committed.

Whenever a clock moves, the ticket's `next_due_at` (the queue's "Due") follows, and a warning
and an escalation job are queued for the new due time (`desk.actions.sla.escalation`): a job
whose due time is no longer the clock's when it runs does nothing."""

from __future__ import annotations

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
from desk.actions.sla.escalation import schedule
from desk.actions.sla.results import end_open_breaches, record_settled
from desk.db import commit
from desk.models import Customer, Message, SlaPolicy, Ticket, TicketSla
from desk.models.base import aware, now
from desk.queries.sla import ENDED, PAUSED, running_clocks

FROM_CREATION = ("first_response", "resolution")  # counted from the ticket's creation
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


def ticket_calendar(session: Session, ticket: Ticket) -> Calendar:
    """The business hours the ticket is served in: its SLA policy's calendar, else the default
    policy's, else Monday to Friday 9-18 UTC."""
    clocks = session.get(TicketSla, ticket.id) if ticket.id is not None else None
    policy = session.get(SlaPolicy, clocks.policy_id) if clocks is not None else None
    policy = policy or default_policy(session)
    return calendar_of(policy) if policy is not None else Calendar()


def start_clocks(session: Session, ticket: Ticket, policy: SlaPolicy) -> TicketSla:
    """Set (or reset) the ticket's due times under `policy`, counted from its creation."""
    assert ticket.id is not None and policy.id is not None
    clocks = session.get(TicketSla, ticket.id) or TicketSla(ticket_id=ticket.id, policy_id=policy.id)
    clocks.policy_id = policy.id
    if ticket.status in PAUSED and clocks.paused_at is None:  # started while it waits: standing
        clocks.paused_at = now()
    _set_due(session, clocks, ticket, policy)
    if ticket.first_response_at is not None:  # answered before this policy came: settled then
        _settle(session, clocks, ticket, "first_response", aware(ticket.first_response_at))
    _follow(session, clocks, ticket, policy)
    return clocks


def _due(calendar: Calendar, start: datetime, minutes: float | None, stood: float) -> datetime | None:
    if minutes is None:
        return None
    try:
        return add_business_minutes(calendar, start, minutes + stood)
    except NeverOpen:
        return None


def _set_due(session: Session, clocks: TicketSla, ticket: Ticket, policy: SlaPolicy) -> None:
    """Every unsettled clock's due time: its target for the ticket's priority and the
    customer's tier, in business time from its start, plus the business time it stood."""
    customer = session.get(Customer, ticket.customer_id)
    tier = customer.tier if customer is not None else ""
    calendar = calendar_of(policy)
    created = aware(ticket.created_at)
    for kind in FROM_CREATION:
        if getattr(clocks, f"{kind}_met") is None:
            minutes = target_minutes(policy, kind, ticket.priority, tier)
            setattr(clocks, f"{kind}_due_at", _due(calendar, created, minutes, clocks.stood_minutes))
    if clocks.next_response_started_at is not None:
        minutes = target_minutes(policy, "next_response", ticket.priority, tier)
        clocks.next_response_due_at = _due(calendar, aware(clocks.next_response_started_at), minutes,
                                           clocks.stood_minutes - clocks.next_response_stood_from)


def _follow(session: Session, clocks: TicketSla, ticket: Ticket, policy: SlaPolicy) -> None:
    """The ticket's next due time, and the warning and escalation of each running clock."""
    assert ticket.id is not None
    dues = running_clocks(clocks, ticket)
    ticket.next_due_at = min(dues.values(), default=None)
    session.add(clocks)
    session.add(ticket)
    for kind, due in dues.items():
        schedule(session, policy, ticket.id, kind, due)


def _loaded(session: Session, ticket_id: int) -> tuple[TicketSla, Ticket, SlaPolicy] | None:
    clocks = session.get(TicketSla, ticket_id)
    ticket = session.get(Ticket, ticket_id)
    policy = session.get(SlaPolicy, clocks.policy_id) if clocks is not None else None
    if clocks is None or ticket is None or policy is None:
        return None
    return clocks, ticket, policy


def ticket_created(session: Session, ticket_id: int) -> None:
    """Start the default policy's clocks, unless a rule gave the ticket a policy already."""
    ticket = session.get(Ticket, ticket_id)
    policy = default_policy(session)
    if ticket is None or policy is None or session.get(TicketSla, ticket_id) is not None:
        return
    start_clocks(session, ticket, policy)
    commit(session)


def _follow_status(clocks: TicketSla, ticket: Ticket, policy: SlaPolicy, moment: datetime) -> bool:
    """Pause or resume as the ticket's status says; True when the due times must be counted
    again (resumed: the business time it stood is added)."""
    if ticket.status in PAUSED and clocks.paused_at is None:
        clocks.paused_at = moment
    elif ticket.status not in PAUSED and clocks.paused_at is not None:
        clocks.stood_minutes += business_minutes_between(
            calendar_of(policy), aware(clocks.paused_at), moment)
        clocks.paused_at = None
        return True
    return False


def ticket_updated(session: Session, ticket_id: int, changes: dict[str, Any]) -> None:
    """Priority moved: new due times; status: pause, resume (the time paused added back), or
    on a solve settle the resolution clock and stop the response clocks."""
    loaded = _loaded(session, ticket_id)
    if loaded is None:
        return
    clocks, ticket, policy = loaded
    moment = now()
    resumed = _follow_status(clocks, ticket, policy, moment)
    if resumed or "priority" in changes:
        _set_due(session, clocks, ticket, policy)
    if ticket.status in ENDED:
        solved = aware(ticket.solved_at) if ticket.solved_at is not None else moment
        _settle(session, clocks, ticket, "resolution", min(solved, moment))
        _stop_responses(session, clocks, moment)
    _follow(session, clocks, ticket, policy)
    commit(session)


def _settle(session: Session, clocks: TicketSla, ticket: Ticket, kind: str, moment: datetime) -> None:
    """Settle a running clock at `moment` (a paused clock stood still since it paused): met
    when it came in time; the result recorded for reports."""
    if kind == "next_response":
        if clocks.next_response_started_at is None:
            return
        clocks.next_response_started_at = None
    elif getattr(clocks, f"{kind}_met") is not None:
        return
    due = getattr(clocks, f"{kind}_due_at")
    if due is None:  # no target for this priority: nothing to meet
        return
    counted = min(moment, aware(clocks.paused_at)) if clocks.paused_at is not None else moment
    met = counted <= aware(due)
    setattr(clocks, f"{kind}_met", met)
    record_settled(session, ticket, clocks.policy_id, kind, aware(due), moment, met)


def _stop_responses(session: Session, clocks: TicketSla, moment: datetime) -> None:
    """A solved ticket awaits no answer: a running next response stops without a result,
    and breaches of response clocks still open end here."""
    clocks.next_response_started_at = None
    end_open_breaches(session, clocks.ticket_id, ("first_response", "next_response"), moment)


def _message_time(session: Session, message_id: int | None) -> datetime:
    message = session.get(Message, message_id) if message_id is not None else None
    return aware(message.created_at) if message is not None else now()


def agent_replied(session: Session, ticket_id: int, message_id: int | None = None) -> None:
    """A public reply settles the first-response clock, or the running next-response clock
    (one the customer started before this reply)."""
    loaded = _loaded(session, ticket_id)
    if loaded is None:
        return
    clocks, ticket, policy = loaded
    moment = _message_time(session, message_id)
    _settle(session, clocks, ticket, "first_response", moment)
    started = clocks.next_response_started_at
    if started is not None and aware(started) <= moment:
        _settle(session, clocks, ticket, "next_response", moment)
    _follow(session, clocks, ticket, policy)
    commit(session)


def customer_replied(session: Session, ticket_id: int, message_id: int | None = None) -> None:
    """A customer's message: a ticket it reopened runs again, and after the desk's public reply
    it starts the next-response clock (unless one is running: it counts from the first
    message left unanswered)."""
    loaded = _loaded(session, ticket_id)
    if loaded is None:
        return
    clocks, ticket, policy = loaded
    moment = now()
    resumed = _follow_status(clocks, ticket, policy, moment)
    answered = clocks.first_response_met is not None or ticket.first_response_at is not None
    if answered and clocks.next_response_started_at is None and ticket.status not in ENDED:
        clocks.next_response_started_at = _message_time(session, message_id)
        clocks.next_response_stood_from = clocks.stood_minutes
        clocks.next_response_met = None
        resumed = True
    if resumed:
        _set_due(session, clocks, ticket, policy)
    _follow(session, clocks, ticket, policy)
    commit(session)
