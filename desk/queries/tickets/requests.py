"""The customer's side: a request as the link in their mail names it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from desk.models import Attachment, Customer, FormSubmission, Message, Ticket
from desk.models.base import now


def get_request(session: Session, ticket_id: int, customer_id: int) -> tuple[Ticket, Customer] | None:
    """The ticket with its customer, or None unless the ticket is that customer's."""
    ticket = session.get(Ticket, ticket_id)
    customer = session.get(Customer, customer_id)
    if ticket is None or customer is None or ticket.customer_id != customer.id:
        return None
    return ticket, customer


def bytes_sent_today(session: Session, ticket_id: int, customer_id: int) -> int:
    """What the customer attached to this request in the last 24 hours, in bytes."""
    total = session.exec(select(func.coalesce(func.sum(Attachment.size), 0)).join(
        Message, col(Message.id) == col(Attachment.message_id)).where(
        col(Message.ticket_id) == ticket_id, col(Message.author_customer_id) == customer_id,
        col(Message.created_at) >= now() - timedelta(days=1))).one()
    return int(total)


def submission_state(session: Session, spool: str, request_id: int) -> tuple[str, str] | None:
    """What became of a stored web-form request (status, its page's token), or None while
    the intake has not taken it."""
    row = session.exec(select(FormSubmission.status, FormSubmission.token).where(
        col(FormSubmission.spool) == spool, col(FormSubmission.request_id) == request_id)).first()
    return None if row is None else (row[0], row[1])


@dataclass(frozen=True)
class FailedRequest:
    """A web-form request the intake failed on, as the admin's page lists it."""

    id: int
    received_at: datetime
    sender: str  # "Name <address>" as the form gave them
    subject: str
    error: str
    size: int  # characters of the stored request


def failed_requests(session: Session, limit: int = 200) -> list[FailedRequest]:
    """The failed web-form requests, newest first (what the form stored is read leniently:
    it may be what failed)."""
    rows = session.exec(select(FormSubmission).where(
        col(FormSubmission.status) == "failed").order_by(col(FormSubmission.id).desc()).limit(limit))
    found = []
    for row in rows:
        try:
            data = json.loads(row.payload)
            _kind, value, name = data["sender"]
            sender, subject = (f"{name} <{value}>" if name else str(value)), str(data["subject"])
        except (ValueError, KeyError, TypeError):
            sender, subject = "", ""
        assert row.id is not None
        found.append(FailedRequest(row.id, row.created_at, sender, subject, row.error,
                                   len(row.payload)))
    return found


def count_failed_requests(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(FormSubmission).where(
        col(FormSubmission.status) == "failed")).one())
