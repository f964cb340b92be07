"""Whether a survey may go to a customer: a checklist of named predicates, read in one place.
Each returns the reason to skip (stored on the survey) or "" when it does not apply. What the
predicates need from the database is read once per batch of due surveys (`Facts`), so a
batch of 500 costs three reads, not three per survey."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from desk.models import Customer, CustomerTag, OutboundMessage, OutboundStatus, Status, Ticket, TicketTag

# A customer or a ticket carrying this tag gets no survey (agents set it on either page;
# the customer sets it on their record from the survey page).
OPT_OUT_TAG = "no-survey"


@dataclass(frozen=True)
class Candidate:
    ticket: Ticket
    customer: Customer


@dataclass(frozen=True)
class Facts:
    opted_out_customers: frozenset[int]
    opted_out_tickets: frozenset[int]
    bounced_addresses: frozenset[str]  # the last mail we sent there failed


def facts_for(session: Session, candidates: Sequence[Candidate]) -> Facts:
    customer_ids = [c.customer.id for c in candidates if c.customer.id is not None]
    ticket_ids = [c.ticket.id for c in candidates if c.ticket.id is not None]
    addresses = sorted({c.customer.email for c in candidates if c.customer.email})
    customers = session.exec(select(CustomerTag.customer_id).where(
        col(CustomerTag.customer_id).in_(customer_ids), CustomerTag.tag == OPT_OUT_TAG)).all()
    tickets = session.exec(select(TicketTag.ticket_id).where(
        col(TicketTag.ticket_id).in_(ticket_ids), TicketTag.tag == OPT_OUT_TAG)).all()
    last: dict[str, str] = {}
    for address, status in session.exec(
            select(OutboundMessage.to_address, OutboundMessage.status)
            .where(col(OutboundMessage.to_address).in_(addresses))
            .order_by(col(OutboundMessage.id))):
        last[address] = status
    return Facts(frozenset(customers), frozenset(tickets),
                 frozenset(a for a, status in last.items() if status == OutboundStatus.failed))


def _not_solved(c: Candidate, facts: Facts) -> str:
    # Reopened before the delay passed: the next solve schedules a survey of its own.
    return "" if c.ticket.status in (Status.solved, Status.closed) else "not_solved"


def _customer_gone(c: Candidate, facts: Facts) -> str:
    gone = c.customer.merged_into_id is not None or c.customer.anonymised_at is not None
    return "customer_gone" if gone or not c.customer.email else ""


def _customer_opted_out(c: Candidate, facts: Facts) -> str:
    return "customer_opted_out" if c.customer.id in facts.opted_out_customers else ""


def _ticket_opted_out(c: Candidate, facts: Facts) -> str:
    return "ticket_opted_out" if c.ticket.id in facts.opted_out_tickets else ""


def _address_bounced(c: Candidate, facts: Facts) -> str:
    """The last mail we sent to the address failed (a bounce marks it so): do not add to it."""
    return "address_bounced" if c.customer.email in facts.bounced_addresses else ""


CHECKS: tuple[Callable[[Candidate, Facts], str], ...] = (
    _not_solved, _customer_gone, _customer_opted_out, _ticket_opted_out, _address_bounced,
)


def skip_reason(candidate: Candidate, facts: Facts) -> str:
    """The first reason not to survey, or "" when the survey may go."""
    for check in CHECKS:
        reason = check(candidate, facts)
        if reason:
            return reason
    return ""
