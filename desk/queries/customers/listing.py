"""The customer list as agents browse it: a page of records with the count, organisations,
owners and tags its filters and rows show."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from desk.models import Organization, User
from desk.queries.customers.organizations import get_organizations, list_organization_choices
from desk.queries.customers.records import (
    CustomerFilter,
    CustomerPage,
    count_customers,
    list_customers,
    tags_by_customer,
)
from desk.queries.users import active_agents


@dataclass(frozen=True)
class CustomerList:
    page: CustomerPage
    total: int  # counted up to the cap the caller gave
    # For the organisation select: the first ones by name, plus the one filtered on.
    organizations: list[Organization]
    owners: list[User]
    tags: dict[int, list[str]]
    # Of the select's organisations and of every organisation a row shows.
    org_names: dict[int, str]


def get_customer_list(session: Session, f: CustomerFilter, count_cap: int,
                      organizations_shown: int) -> CustomerList:
    page = list_customers(session, f)
    total = count_customers(session, f, count_cap)
    organizations = list_organization_choices(session, organizations_shown, f.organization_id)
    owners = active_agents(session)
    tags = tags_by_customer(session, [c.id for c in page.customers if c.id is not None])
    org_names = {o.id: o.name for o in organizations if o.id is not None}
    missing = {c.organization_id for c in page.customers if c.organization_id is not None}
    org_names.update({i: o.name for i, o in get_organizations(session, missing - set(org_names)).items()})
    return CustomerList(page, total, organizations, owners, tags, org_names)
