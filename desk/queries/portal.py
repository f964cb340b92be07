"""What the customer portal reads: who an address belongs to, and that customer's requests."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.models import Customer, CustomerIdentity, Ticket

REQUESTS_SHOWN = 200


def customer_of_address(session: Session, address: str) -> Customer | None:
    """The live customer one of whose email addresses ``address`` is (any case)."""
    found = session.exec(select(Customer).join(
        CustomerIdentity, col(CustomerIdentity.customer_id) == col(Customer.id)).where(
        CustomerIdentity.kind == "email", CustomerIdentity.value == address.strip().lower(),
        col(Customer.merged_into_id).is_(None), col(Customer.anonymised_at).is_(None))).first()
    return found


def portal_customer(session: Session, customer_id: int, address: str) -> Customer | None:
    """The customer a portal link or session names, while ``address`` is still theirs."""
    customer = customer_of_address(session, address)
    return customer if customer is not None and customer.id == customer_id else None


def has_requests(session: Session, customer_id: int) -> bool:
    return session.exec(select(Ticket.id).where(Ticket.customer_id == customer_id)
                        .limit(1)).first() is not None


def portal_requests(session: Session, customer_id: int,
                    limit: int = REQUESTS_SHOWN) -> list[Ticket]:
    """The customer's requests, the most recently active first; a request the desk merged
    into another shows as that one."""
    return list(session.exec(select(Ticket).where(
        Ticket.customer_id == customer_id, col(Ticket.merged_into_id).is_(None))
        .order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc()).limit(limit)))
