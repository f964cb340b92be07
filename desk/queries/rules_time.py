"""Reads of the scheduled rule pass: the tickets a rule's time conditions hold for, each
found through an index (never by reading every ticket), and what their facts are made of."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, text, union_all
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
from desk.models.tickets import OPEN_SQL

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
        else:  # no_agent_reply_for
            where.append(col(Ticket.id).in_(_waiting_on_us(cutoff)))
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


def _waiting_on_us(cutoff: datetime) -> Any:
    """Tickets the customer has waited on since before `cutoff`: never answered and in since
    then (the partial ix_ticket_unanswered_created), or answered once but the customer's
    message is the last public one and nothing changed since then (ix_ticket_open_updated,
    then each one's newest messages by ix_message_ticket_id)."""
    never = select(Ticket.id).where(text(UNANSWERED_SQL), col(Ticket.created_at) <= cutoff)
    last = (select(Message.direction).where(col(Message.ticket_id) == col(Ticket.id),
                                            Message.direction != Direction.internal)
            .order_by(col(Message.id).desc()).limit(1).scalar_subquery())
    again = select(Ticket.id).where(text(OPEN_SQL), col(Ticket.updated_at) <= cutoff,
                                    col(Ticket.first_response_at).is_not(None), last == Direction.inbound)
    return union_all(never, again)


def customer_spoke_last(session: Session, ticket_ids: Sequence[int]) -> set[int]:
    """Those of the tickets whose newest public message is the customer's."""
    last: dict[int, str] = {}
    for ticket_id, direction in session.exec(
            select(Message.ticket_id, Message.direction).where(
                col(Message.ticket_id).in_(ticket_ids), Message.direction != Direction.internal)
            .order_by(col(Message.ticket_id), col(Message.id))):
        last[ticket_id] = direction
    return {t for t, direction in last.items() if direction == Direction.inbound}


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
