"""The customer's side: a request as the link in their mail names it."""

from __future__ import annotations

from sqlmodel import Session

from desk.models import Customer, Ticket


def get_request(session: Session, ticket_id: int, customer_id: int) -> tuple[Ticket, Customer] | None:
    """The ticket with its customer, or None unless the ticket is that customer's."""
    ticket = session.get(Ticket, ticket_id)
    customer = session.get(Customer, customer_id)
    if ticket is None or customer is None or ticket.customer_id != customer.id:
        return None
    return ticket, customer
