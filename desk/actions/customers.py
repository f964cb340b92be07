"""Creating and finding customers by the address they write from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, insert, select
from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.models import Customer, Organization
from desk.models.base import now

CUSTOMERS: Table = Customer.__table__  # type: ignore[attr-defined]
ORGANIZATIONS: Table = Organization.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Sender:
    """What intake needs of a customer, read without building an ORM object."""

    id: int
    name: str
    email: str
    locale: str


def identify_sender(
    session: Session, actor: Actor, email: str, name: str, source: str, locale: str = "en"
) -> Sender:
    """The customer who owns ``email``, created (and joined to its domain's organisation).

    Core statements: this runs for every inbound message, on the intake hot path."""
    email = email.strip().lower()
    c = CUSTOMERS.c
    row = session.execute(
        select(c.id, c.name, c.email, c.locale).where(c.email == email)
    ).first()
    if row is not None:
        return Sender(row.id, row.name, row.email, row.locale)
    domain = email.rpartition("@")[2]
    org = session.execute(
        select(ORGANIZATIONS.c.id, ORGANIZATIONS.c.tier)
        .where(ORGANIZATIONS.c.domain == domain).limit(1)
    ).first()
    name = name or email.partition("@")[0]
    stamp = now()
    customer_id: int = session.execute(
        insert(CUSTOMERS).values(
            name=name, email=email, source=source, locale=locale,
            organization_id=org.id if org else None, tier=org.tier if org else "standard",
            created_at=stamp, updated_at=stamp,
        ).returning(c.id)
    ).scalar_one()
    record(session, actor, "customer", customer_id, "created", {"email": [None, email]})
    return Sender(customer_id, name, email, locale)


def identify_customer(
    session: Session, actor: Actor, email: str, name: str, source: str, locale: str = "en"
) -> Customer:
    """Like identify_sender, returning the full record."""
    sender = identify_sender(session, actor, email, name, source, locale)
    customer = session.get(Customer, sender.id)
    assert customer is not None
    return customer
