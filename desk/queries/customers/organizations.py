"""Finding organisations: the searchable, paged list with per-row counts, one organisation
with its members and its members' recent tickets, the choices of a select, and who may change
them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, literal_column
from sqlmodel import Session, col, or_, select

from desk.models import OPEN_SQL, Customer, Organization, Ticket, User
from desk.queries.customers.records import may_manage_customers
from desk.queries.errors import Forbidden, NotFound
from desk.queries.tickets.queue import visible_to

PAGE_SIZE = 50
MEMBERS_PAGE_SIZE = 50
RECENT_TICKETS = 20


@dataclass
class OrganizationPage:
    organizations: list[Organization]
    page: int
    has_next: bool
    # Counted for this page's rows only: counting every organisation's members per page is wasted.
    members: dict[int, int] = field(default_factory=dict)
    open_tickets: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class OrganizationView:
    """What one organisation's page shows."""

    org: Organization
    members: list[Customer]  # one page of them, by name
    has_next: bool
    tickets: list[tuple[Ticket, Customer]]
    member_count: int
    open_count: int


def may_manage_organizations(user: User) -> bool:
    """Creating and editing organisations changes every member's tier rules and search keys:
    supervisors and admins, like the other account-wide changes."""
    return may_manage_customers(user)


def access_organization(session: Session, user: User, org_id: int) -> Organization:
    """An organisation any active staff member may read."""
    if not user.is_active:
        raise Forbidden()
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound()
    return org


def access_organization_page(session: Session, user: User, org_id: int,
                             page: int = 1) -> OrganizationView:
    """The organisation, a page of its members and their recent tickets ``user`` may see."""
    org = access_organization(session, user, org_id)
    members, has_next = organization_members(session, org_id, page)
    return OrganizationView(org, members, has_next, organization_tickets(session, user, org_id),
                            member_counts(session, [org_id]).get(org_id, 0),
                            open_ticket_counts(session, [org_id]).get(org_id, 0))


def list_organization_choices(session: Session, limit: int,
                              chosen_id: int | None = None) -> list[Organization]:
    """The first ``limit`` organisations by name for a select, plus the chosen one when it
    is further down."""
    shown = list(session.exec(select(Organization).order_by(col(Organization.name)).limit(limit)))
    if chosen_id is not None and chosen_id not in {o.id for o in shown}:
        extra = session.get(Organization, chosen_id)
        if extra is not None:
            shown.append(extra)
    return shown


def get_organizations(session: Session, org_ids: Iterable[int]) -> dict[int, Organization]:
    """These organisations by id (those that exist)."""
    ids = set(org_ids)
    if not ids:
        return {}
    rows = session.exec(select(Organization).where(col(Organization.id).in_(ids)))
    return {o.id: o for o in rows if o.id is not None}


def list_organizations(session: Session, q: str = "", page: int = 1,
                       page_size: int = PAGE_SIZE) -> OrganizationPage:
    """One page of organisations by name, those whose name or domain contains ``q``."""
    page = max(1, page)
    statement = select(Organization).order_by(col(Organization.name), col(Organization.id))
    term = q.strip().lower()
    if "\x00" in term:  # no name or domain holds one, and PostgreSQL refuses to compare it
        return OrganizationPage([], page, False)
    if term:
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(or_(func.lower(Organization.name).like(pattern, escape="\\"),
                                        col(Organization.domain).like(pattern, escape="\\")))
    rows = list(session.exec(statement.offset((page - 1) * page_size).limit(page_size + 1)))
    result = OrganizationPage(rows[:page_size], page, len(rows) > page_size)
    ids = [o.id for o in result.organizations if o.id is not None]
    if ids:
        result.members = member_counts(session, ids)
        result.open_tickets = open_ticket_counts(session, ids)
    return result


def member_counts(session: Session, org_ids: list[int]) -> dict[int, int]:
    rows = session.exec(select(Customer.organization_id, func.count()).where(
        col(Customer.organization_id).in_(org_ids), col(Customer.merged_into_id).is_(None))
        .group_by(col(Customer.organization_id)))
    return {org_id: count for org_id, count in rows if org_id is not None}


def open_ticket_counts(session: Session, org_ids: list[int]) -> dict[int, int]:
    rows = session.exec(select(Customer.organization_id, func.count()).select_from(Ticket).join(
        Customer, col(Customer.id) == col(Ticket.customer_id)).where(
        col(Customer.organization_id).in_(org_ids), literal_column(f"ticket.{OPEN_SQL}"))
        .group_by(col(Customer.organization_id)))
    return {org_id: count for org_id, count in rows if org_id is not None}


def organization_members(session: Session, org_id: int, page: int = 1,
                         page_size: int = MEMBERS_PAGE_SIZE) -> tuple[list[Customer], bool]:
    """One page of the live members by name, and whether there is a next page."""
    offset = (max(1, page) - 1) * page_size
    rows = list(session.exec(select(Customer).where(
        Customer.organization_id == org_id, col(Customer.merged_into_id).is_(None))
        .order_by(col(Customer.name), col(Customer.id)).offset(offset).limit(page_size + 1)))
    return rows[:page_size], len(rows) > page_size


def organization_tickets(session: Session, user: User, org_id: int,
                         limit: int = RECENT_TICKETS) -> list[tuple[Ticket, Customer]]:
    """The members' most recently updated tickets that ``user`` may see, with their customer."""
    statement = select(Ticket, Customer).join(Customer, col(Customer.id) == col(Ticket.customer_id)).where(
        Customer.organization_id == org_id)
    access = visible_to(session, user)
    if access is not None:
        statement = statement.where(access)
    rows = session.exec(statement.order_by(col(Ticket.updated_at).desc(), col(Ticket.id).desc())
                        .limit(limit))
    return [(ticket, customer) for ticket, customer in rows]
