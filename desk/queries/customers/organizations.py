"""Finding organisations: the searchable, paged list with per-row counts, one organisation
with its members and its members' recent tickets, and who may change them."""

from __future__ import annotations

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


def list_organizations(session: Session, q: str = "", page: int = 1,
                       page_size: int = PAGE_SIZE) -> OrganizationPage:
    """One page of organisations by name, those whose name or domain contains ``q``."""
    page = max(1, page)
    statement = select(Organization).order_by(col(Organization.name), col(Organization.id))
    term = q.strip().lower()
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
