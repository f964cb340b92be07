"""Reads of the scheduled rule pass: the tickets a rule's time conditions hold for, each
found through an index (never by reading every ticket), and what their facts are made of."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, text
from sqlmodel import Session, col, select

from desk.models import (
    Customer,
    Direction,
    Job,
    JobStatus,
    Mailbox,
    Message,
    Organization,
    Rule,
    RuleTimeFiring,
    Ticket,
    TicketTag,
)
from desk.models.rules import UNANSWERED_SQL

_OPEN = ("new", "open", "on_hold")


def scheduled_rules(session: Session) -> list[Rule]:
    """The enabled rules of the scheduled pass, in order."""
    return list(session.exec(select(Rule).where(col(Rule.enabled).is_(True), Rule.events == "scheduled")
                             .order_by(col(Rule.position), col(Rule.id))))


def pass_waiting(session: Session, name: str) -> bool:
    """Whether a job of this name is queued (the pass's next run is booked)."""
    return session.exec(select(Job.id).where(Job.name == name, Job.status == JobStatus.queued)
                        .limit(1)).first() is not None


def candidate_ids(session: Session, rule_id: int, times: Sequence[tuple[str, int]],
                  equal: dict[str, str], moment: datetime) -> list[int]:
    """Tickets every time condition (field, seconds) holds for, at `moment`, that this rule did
    not fire on at their present version; `equal` narrows by exact ticket or customer fields
    (status, priority, channel, tier) the rule requires."""
    where: list[Any] = []
    for name, seconds in times:
        cutoff = moment - timedelta(seconds=seconds)
        if name == "pending_for":  # ix_ticket_status_updated
            where += [Ticket.status == "pending", col(Ticket.updated_at) <= cutoff]
        elif name == "unassigned_for":  # ix_ticket_assignee_status_updated
            where += [col(Ticket.assignee_id).is_(None), col(Ticket.status).in_(_OPEN),
                      col(Ticket.updated_at) <= cutoff]
        else:  # no_agent_reply_for: the partial ix_ticket_unanswered_created
            where += [text(UNANSWERED_SQL), col(Ticket.created_at) <= cutoff]
    for name, value in equal.items():
        if name == "tier":
            where.append(col(Ticket.customer_id).in_(select(Customer.id).where(Customer.tier == value)))
        else:
            where.append(getattr(Ticket, name) == value)
    fired = exists().where(and_(col(RuleTimeFiring.rule_id) == rule_id,
                                col(RuleTimeFiring.ticket_id) == col(Ticket.id),
                                col(RuleTimeFiring.version) == col(Ticket.version)))
    query = select(Ticket.id).where(*where, ~fired)
    return [i for i in session.exec(query) if i is not None]


def tickets_by_id(session: Session, ids: Iterable[int]) -> list[Ticket]:
    return list(session.exec(select(Ticket).where(col(Ticket.id).in_(list(ids))).order_by(col(Ticket.id))))


def customers_by_id(session: Session, ids: Iterable[int]) -> dict[int, Customer]:
    return {c.id: c for c in session.exec(select(Customer).where(col(Customer.id).in_(list(set(ids)))))
            if c.id is not None}


def organization_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    rows = session.exec(select(Organization.id, Organization.name)
                        .where(col(Organization.id).in_(list(set(ids)))))
    return {i: name for i, name in rows if i is not None}


def mailbox_names(session: Session) -> dict[int, str]:
    return {i: name for i, name in session.exec(select(Mailbox.id, Mailbox.name)) if i is not None}


def tags_of(session: Session, ticket_ids: Sequence[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for ticket_id, tag in session.exec(select(TicketTag.ticket_id, TicketTag.tag)
                                       .where(col(TicketTag.ticket_id).in_(ticket_ids))):
        out.setdefault(ticket_id, set()).add(tag)
    return out


def first_texts(session: Session, ticket_ids: Sequence[int]) -> dict[int, str]:
    """Each ticket's first message from the customer."""
    out: dict[int, str] = {}
    rows = session.exec(select(Message.ticket_id, Message.text).where(
        col(Message.ticket_id).in_(ticket_ids), Message.direction == Direction.inbound)
        .order_by(col(Message.ticket_id), col(Message.id)))
    for ticket_id, body in rows:
        out.setdefault(ticket_id, body)
    return out


def firings(session: Session, rule_id: int, ticket_ids: Sequence[int]) -> dict[int, RuleTimeFiring]:
    return {f.ticket_id: f for f in session.exec(select(RuleTimeFiring).where(
        RuleTimeFiring.rule_id == rule_id, col(RuleTimeFiring.ticket_id).in_(ticket_ids)))}
