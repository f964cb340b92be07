"""Creating and finding customers by the address they write from (the intake side)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session

from desk.actions.audit import Actor, audit_row
from desk.actions.inserts import insert_many, insert_rows
from desk.contacts import email_twin_form, search_keys
from desk.models import Customer, IdentityKind
from desk.models.base import now
from desk.models.tables import AUDIT, CUSTOMERS, IDENTITIES, ORGANIZATIONS, SEARCH_KEYS

# Built once: intake runs them for every batch of messages. An address is found among all
# of a customer's email identities, so mail from a second address lands on the same record.
_BY_EMAILS = select(
    IDENTITIES.c.value, CUSTOMERS.c.id, CUSTOMERS.c.name, CUSTOMERS.c.locale,
).join(CUSTOMERS, CUSTOMERS.c.id == IDENTITIES.c.customer_id).where(
    IDENTITIES.c.kind == IdentityKind.email,
    IDENTITIES.c.value.in_(bindparam("emails", expanding=True)))
_ORGS_BY_DOMAINS = select(
    ORGANIZATIONS.c.domain, ORGANIZATIONS.c.id, ORGANIZATIONS.c.tier, ORGANIZATIONS.c.name).where(
    ORGANIZATIONS.c.domain.in_(bindparam("domains", expanding=True)),
    ORGANIZATIONS.c.auto_join.is_(True))


@dataclass(frozen=True)
class Sender:
    """What intake needs of a customer, read without building an ORM object.
    ``email`` is the address they wrote from."""

    id: int
    name: str
    email: str
    locale: str


@dataclass(frozen=True)
class Contact:
    """Who wrote, as a channel saw them."""

    email: str
    name: str
    source: str
    locale: str = "en"


def identify_senders(session: Session, actor: Actor, contacts: Sequence[Contact]) -> list[Sender]:
    """The customer behind each contact, in order; unknown addresses become new
    customers (joined to their domain's organisation). One query for the lot."""
    emails = [c.email.strip().lower() for c in contacts]
    known = {
        row.value: Sender(row.id, row.name, row.value, row.locale)
        for row in session.connection().execute(_BY_EMAILS, {"emails": sorted(set(emails))})
    }
    new: dict[str, Contact] = {}
    for email, contact in zip(emails, contacts, strict=True):
        if email not in known and email not in new:
            new[email] = contact
    if new:
        known.update(_create(session, actor, new))
    return [known[email] for email in emails]


def _create(session: Session, actor: Actor, new: dict[str, Contact]) -> dict[str, Sender]:
    domains = sorted({email.rpartition("@")[2] for email in new})
    orgs = {row.domain: row for row in
            session.connection().execute(_ORGS_BY_DOMAINS, {"domains": domains})}
    stamp = now()
    rows: list[dict[str, Any]] = []
    for email, contact in new.items():
        org = orgs.get(email.rpartition("@")[2])
        rows.append(dict(
            name=contact.name or email.partition("@")[0], email=email, source=contact.source,
            locale=contact.locale, organization_id=org.id if org else None,
            tier=org.tier if org else "standard", owner_id=None, fields={}, reviewed_at=None,
            merged_into_id=None, anonymised_at=None, created_at=stamp, updated_at=stamp,
        ))
    ids = insert_rows(session, CUSTOMERS, rows)
    senders: dict[str, Sender] = {}
    org_names: dict[int, str] = {}
    for customer_id, row, (email, contact) in zip(ids, rows, new.items(), strict=True):
        senders[email] = Sender(customer_id, row["name"], email, contact.locale)
        org = orgs.get(email.rpartition("@")[2])
        org_names[customer_id] = org.name if org else ""
    insert_many(session, IDENTITIES, [
        dict(customer_id=s.id, kind=IdentityKind.email, value=s.email,
             normalised=email_twin_form(s.email), label="", created_at=stamp)
        for s in senders.values()
    ])
    insert_many(session, SEARCH_KEYS, [
        dict(key=key, customer_id=s.id) for s in senders.values()
        for key in search_keys(s.name, [s.email], [], org_names[s.id])
    ])
    insert_many(session, AUDIT, [
        audit_row(actor, "customer", s.id, "created", {"email": [None, s.email]})
        for s in senders.values()
    ])
    return senders


def identify_customer(
    session: Session, actor: Actor, email: str, name: str, source: str, locale: str = "en"
) -> Customer:
    """The full record of the customer who owns ``email``, created when new."""
    (sender,) = identify_senders(session, actor, [Contact(email, name, source, locale)])
    customer = session.get(Customer, sender.id)
    assert customer is not None
    return customer
