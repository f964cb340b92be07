"""Creating and finding customers by the address they write from."""

from __future__ import annotations

from sqlmodel import Session, select

from desk.actions.audit import Actor, record
from desk.models import Customer, Organization


def identify_customer(
    session: Session, actor: Actor, email: str, name: str, source: str, locale: str = "en"
) -> Customer:
    """The customer who owns ``email``, created (and joined to its domain's organisation)."""
    email = email.strip().lower()
    customer = session.exec(select(Customer).where(Customer.email == email)).first()
    if customer is not None:
        return customer
    domain = email.rpartition("@")[2]
    org = session.exec(select(Organization).where(Organization.domain == domain)).first()
    customer = Customer(
        name=name or email.partition("@")[0],
        email=email,
        source=source,
        locale=locale,
        organization_id=org.id if org else None,
        tier=org.tier if org else "standard",
    )
    session.add(customer)
    session.flush()
    assert customer.id is not None
    record(session, actor, "customer", customer.id, "created", {"email": [None, email]})
    return customer
