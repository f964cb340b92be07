"""One customer record as people read it: its identities, tags and notes, the customer page
(with the timeline), the choices of its edit form, and the details the API answers with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from desk.models import (
    Customer,
    CustomerField,
    CustomerIdentity,
    CustomerNote,
    CustomerTag,
    IdentityKind,
    Organization,
    Ticket,
    User,
)
from desk.queries.customers.fields import field_definitions
from desk.queries.customers.organizations import list_organization_choices
from desk.queries.customers.records import access_customer
from desk.queries.customers.timeline import Timeline, customer_timeline
from desk.queries.tickets.queue import IS_OPEN, visible_to
from desk.queries.users import active_agents

# A record's identity lists, keyed as a change names them, by kind.
IDENTITY_LISTS = {"emails": IdentityKind.email, "phones": IdentityKind.phone,
                  "web_ids": IdentityKind.web, "api_ids": IdentityKind.api}


@dataclass(frozen=True)
class CustomerProfile:
    """What the customer page shows."""

    customer: Customer
    org: Organization | None
    identities: dict[str, list[str]]
    tags: list[str]
    # The custom fields with a value, in the definitions' order.
    fields: list[tuple[CustomerField, Any]]
    notes: list[CustomerNote]
    timeline: Timeline
    # Of the notes' authors and the owner.
    names: dict[int, str]


@dataclass(frozen=True)
class FormChoices:
    """What the edit and create forms offer."""

    organizations: list[Organization]
    agents: list[User]
    definitions: list[CustomerField]


@dataclass(frozen=True)
class CustomerDetails:
    """What the API tells about one record besides its own columns."""

    identities: dict[str, list[str]]
    org: Organization | None
    owner: User | None
    tags: list[str]
    # Of the tickets the reader may see.
    tickets: int
    open_tickets: int


def identities_of(session: Session, customer_id: int) -> dict[str, list[str]]:
    """The record's identity values as lists keyed like a change (``emails``, ``phones``...),
    the primary email first."""
    customer = session.get(Customer, customer_id)
    rows = session.exec(select(CustomerIdentity).where(
        CustomerIdentity.customer_id == customer_id).order_by(col(CustomerIdentity.id)))
    lists: dict[str, list[str]] = {name: [] for name in IDENTITY_LISTS}
    kinds: dict[str, str] = {kind.value: name for name, kind in IDENTITY_LISTS.items()}
    for row in rows:
        lists[kinds[row.kind]].append(row.value)
    if customer is not None and customer.email in lists["emails"]:
        lists["emails"].remove(customer.email)
        lists["emails"].insert(0, customer.email)
    return lists


def tags_of(session: Session, customer_id: int) -> list[str]:
    return sorted(session.exec(select(CustomerTag.tag).where(CustomerTag.customer_id == customer_id)))


def notes_of(session: Session, customer_id: int, limit: int = 200) -> list[CustomerNote]:
    """The record's latest notes, newest first."""
    return list(session.exec(select(CustomerNote).where(CustomerNote.customer_id == customer_id)
                             .order_by(col(CustomerNote.id).desc()).limit(limit)))


def access_customer_profile(session: Session, user: User, customer_id: int,
                            notes_shown: int) -> CustomerProfile:
    """The customer page of a live record ``user`` may read (NotFound, Forbidden otherwise)."""
    customer = access_customer(session, user, customer_id)
    definitions = field_definitions(session)
    notes = notes_of(session, customer_id, notes_shown)
    timeline = customer_timeline(session, user, customer_id)
    authors = {n.author_id for n in notes} | {e.note.author_id for e in timeline.entries if e.note}
    # Owners named in the timeline's changes are shown by name, not id.
    owners = {v for e in timeline.entries if e.change
              for v in (e.change.changes or {}).get("owner_id") or () if isinstance(v, int)}
    wanted = {a for a in authors if a is not None} | {customer.owner_id or 0} | owners
    names = {u.id: u.name for u in session.exec(select(User).where(col(User.id).in_(wanted)))
             if u.id is not None}
    org = session.get(Organization, customer.organization_id) if customer.organization_id else None
    return CustomerProfile(
        customer=customer, org=org, identities=identities_of(session, customer_id),
        tags=tags_of(session, customer_id),
        fields=[(d, customer.fields.get(d.key)) for d in definitions
                if customer.fields.get(d.key) not in (None, "")],
        notes=notes, timeline=timeline, names=names)


def get_form_choices(session: Session, organizations_shown: int,
                     organization_id: int | None) -> FormChoices:
    """The organisations (the first ones by name, plus the record's own), the active staff
    who may own a record, and the custom fields."""
    return FormChoices(list_organization_choices(session, organizations_shown, organization_id),
                       active_agents(session), field_definitions(session))


def get_customer_details(session: Session, user: User, customer: Customer) -> CustomerDetails:
    assert customer.id is not None
    org = session.get(Organization, customer.organization_id) if customer.organization_id else None
    owner = session.get(User, customer.owner_id) if customer.owner_id else None
    tickets, open_tickets = _ticket_counts(session, user, customer.id)
    return CustomerDetails(identities_of(session, customer.id), org, owner,
                           tags_of(session, customer.id), tickets, open_tickets)


def _ticket_counts(session: Session, user: User, customer_id: int) -> tuple[int, int]:
    """All and open tickets of the customer that ``user`` may see."""
    statement = select(func.count()).select_from(Ticket).where(Ticket.customer_id == customer_id)
    access = visible_to(session, user)
    if access is not None:
        statement = statement.where(access)
    return session.exec(statement).one(), session.exec(statement.where(IS_OPEN)).one()
