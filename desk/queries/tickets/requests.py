"""The customer's side: a request as the link in their mail names it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from desk.models import Attachment, Customer, Message, Ticket
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
