"""Whether a survey may go to a customer: a checklist of named predicates, read in one place.
Each returns the reason to skip (stored on the survey) or "" when it does not apply. What the
predicates need from the database is read once per batch of due surveys (`Facts`), so a
batch of 500 costs five reads, not five per survey."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from desk.models import (
    Customer,
    CustomerTag,
    Direction,
    Message,
    OutboundMessage,
    OutboundStatus,
    RawMessage,
    RawStatus,
    Status,
    Ticket,
    TicketTag,
)

# A customer or a ticket carrying this tag gets no survey (agents set it on either page;
# the customer sets it on their record from the survey page).
OPT_OUT_TAG = "no-survey"
# A ticket carrying this tag was junk, not a request ("Spam" on the ticket page closes it so):
# nobody is asked how we did.
SPAM_TAG = "spam"


@dataclass(frozen=True)
class Candidate:
    ticket: Ticket
    customer: Customer


@dataclass(frozen=True)
class Facts:
    opted_out_customers: frozenset[int]
    opted_out_tickets: frozenset[int]
    bounced_addresses: frozenset[str]  # the last mail we sent there failed
    spam_tickets: frozenset[int] = frozenset()
    # Customers whose every message in was an auto-reply (an out-of-office, say): no person
    # there ever wrote, so nobody would answer.
    auto_reply_customers: frozenset[int] = frozenset()


def facts_for(session: Session, candidates: Sequence[Candidate]) -> Facts:
    customer_ids = [c.customer.id for c in candidates if c.customer.id is not None]
    ticket_ids = [c.ticket.id for c in candidates if c.ticket.id is not None]
    addresses = sorted({c.customer.email for c in candidates if c.customer.email})
    customers = session.exec(select(CustomerTag.customer_id).where(
        col(CustomerTag.customer_id).in_(customer_ids), CustomerTag.tag == OPT_OUT_TAG)).all()
    tagged = session.exec(select(TicketTag.ticket_id, TicketTag.tag).where(
        col(TicketTag.ticket_id).in_(ticket_ids),
        col(TicketTag.tag).in_((OPT_OUT_TAG, SPAM_TAG)))).all()
    last: dict[str, str] = {}
    for address, status in session.exec(
            select(OutboundMessage.to_address, OutboundMessage.status)
            .where(col(OutboundMessage.to_address).in_(addresses))
            .order_by(col(OutboundMessage.id))):
        last[address] = status
    return Facts(frozenset(customers), frozenset(t for t, tag in tagged if tag == OPT_OUT_TAG),
                 frozenset(a for a, status in last.items() if status == OutboundStatus.failed),
                 spam_tickets=frozenset(t for t, tag in tagged if tag == SPAM_TAG),
                 auto_reply_customers=_only_auto_replies(session, customer_ids))


def _only_auto_replies(session: Session, customer_ids: list[int]) -> frozenset[int]:
    """Of these customers, those with messages in and every one of them stored as an
    auto-reply (its raw mail's status). A message with no raw mail (the web form, the API, a
    chat) was typed by a person."""
    if not customer_ids:
        return frozenset()
    theirs = (col(Message.author_customer_id).in_(customer_ids),
              col(Message.direction) == Direction.inbound)
    automatic = select(RawMessage.id).where(
        col(RawMessage.message_id) == col(Message.message_id),
        col(RawMessage.status) == RawStatus.autoreply).exists()
    wrote = set(session.exec(select(Message.author_customer_id).where(*theirs).distinct()))
    real = set(session.exec(select(Message.author_customer_id)
                            .where(*theirs, ~automatic).distinct()))
    return frozenset(c for c in wrote - real if c is not None)


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


def _ticket_merged(c: Candidate, facts: Facts) -> str:
    """Merged into another ticket after its solve: the conversation (and any survey) is there."""
    return "ticket_merged" if c.ticket.merged_into_id is not None else ""


def _spam(c: Candidate, facts: Facts) -> str:
    return "spam" if c.ticket.id in facts.spam_tickets else ""


def _auto_replies_only(c: Candidate, facts: Facts) -> str:
    return "auto_replies_only" if c.customer.id in facts.auto_reply_customers else ""


CHECKS: tuple[Callable[[Candidate, Facts], str], ...] = (
    _not_solved, _ticket_merged, _spam, _customer_gone, _customer_opted_out, _ticket_opted_out,
    _address_bounced, _auto_replies_only,
)


def skip_reason(candidate: Candidate, facts: Facts) -> str:
    """The first reason not to survey, or "" when the survey may go."""
    for check in CHECKS:
        reason = check(candidate, facts)
        if reason:
            return reason
    return ""
