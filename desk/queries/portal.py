"""What the customer portal reads: who an address belongs to, and that customer's requests."""

from __future__ import annotations

import hashlib

from sqlmodel import Session, col, select

from desk.models import Customer, CustomerIdentity, Organization, PortalSession, Ticket

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


def link_hash(token: str) -> str:
    """What is stored of a sign-in link once it signed in: the SHA-256 of its token."""
    return hashlib.sha256(token.encode()).hexdigest()


def link_used(session: Session, token: str) -> bool:
    return session.exec(select(PortalSession.id).where(
        PortalSession.link_hash == link_hash(token))).first() is not None


def portal_signed_in(session: Session, customer_id: int, address: str,
                     session_id: int) -> Customer | None:
    """The customer a portal cookie names, while its sign-in has not ended and ``address``
    is still theirs."""
    row = session.get(PortalSession, session_id)
    if row is None or row.ended_at is not None or row.customer_id != customer_id:
        return None
    return portal_customer(session, customer_id, address)


def has_requests(session: Session, customer_id: int) -> bool:
    return session.exec(select(Ticket.id).where(Ticket.customer_id == customer_id)
                        .limit(1)).first() is not None


def shared_organization(session: Session, customer: Customer) -> Organization | None:
    """The customer's organisation when its contacts see each other's requests."""
    if customer.organization_id is None:
        return None
    org = session.get(Organization, customer.organization_id)
    return org if org is not None and org.portal_shared else None


def portal_requests(session: Session, customer: Customer,
                    limit: int = REQUESTS_SHOWN) -> list[tuple[Ticket, str]]:
    """The customer's requests, and their organisation's when it shares them, the most
    recently active first, each with the name of who asked; a request the desk merged into
    another shows as that one."""
    org = shared_organization(session, customer)
    whose = (col(Ticket.customer_id) == customer.id if org is None else
             col(Ticket.customer_id).in_(select(Customer.id).where(
                 Customer.organization_id == org.id)))
    rows = session.exec(select(Ticket, Customer.name).join(
        Customer, col(Customer.id) == col(Ticket.customer_id)).where(
        whose, col(Ticket.merged_into_id).is_(None))
        .order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc()).limit(limit))
    return [(ticket, name) for ticket, name in rows]


def portal_request(session: Session, customer: Customer, number: int) -> Ticket | None:
    """A request of the customer's organisation the customer may read (not their own: those
    open their private page)."""
    org = shared_organization(session, customer)
    ticket = session.get(Ticket, number)
    if org is None or ticket is None or ticket.merged_into_id is not None:
        return None
    asker = session.get(Customer, ticket.customer_id)
    return ticket if asker is not None and asker.organization_id == org.id else None
