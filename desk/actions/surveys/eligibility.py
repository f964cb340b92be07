"""Whether a survey may go to a customer: a checklist of named predicates, read in one place.
Each returns the reason to skip (stored on the survey) or "" when it does not apply."""

from __future__ import annotations

from collections.abc import Callable
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


def _not_solved(session: Session, c: Candidate) -> str:
    # Reopened before the delay passed: the next solve schedules a survey of its own.
    return "" if c.ticket.status in (Status.solved, Status.closed) else "not_solved"


def _customer_gone(session: Session, c: Candidate) -> str:
    gone = c.customer.merged_into_id is not None or c.customer.anonymised_at is not None
    return "customer_gone" if gone or not c.customer.email else ""


def _customer_opted_out(session: Session, c: Candidate) -> str:
    found = session.get(CustomerTag, (c.customer.id, OPT_OUT_TAG))
    return "customer_opted_out" if found is not None else ""


def _ticket_opted_out(session: Session, c: Candidate) -> str:
    found = session.get(TicketTag, (c.ticket.id, OPT_OUT_TAG))
    return "ticket_opted_out" if found is not None else ""


def _address_bounced(session: Session, c: Candidate) -> str:
    """The last mail we sent to the address failed (a bounce marks it so): do not add to it."""
    last = session.exec(select(OutboundMessage.status)
                        .where(OutboundMessage.to_address == c.customer.email)
                        .order_by(col(OutboundMessage.id).desc()).limit(1)).first()
    return "address_bounced" if last == OutboundStatus.failed else ""


CHECKS: tuple[Callable[[Session, Candidate], str], ...] = (
    _not_solved, _customer_gone, _customer_opted_out, _ticket_opted_out, _address_bounced,
)


def skip_reason(session: Session, candidate: Candidate) -> str:
    """The first reason not to survey, or "" when the survey may go."""
    for check in CHECKS:
        reason = check(session, candidate)
        if reason:
            return reason
    return ""
