"""Merges as pages and the API read them: one merge, where a merged-away record ended up, a
record's merge history, and one side of the merge confirm page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from desk.models import Customer, CustomerMerge, Organization, Ticket, User
from desk.queries.customers.profile import identities_of
from desk.queries.customers.records import access_customer

# A chain of merges is short; the bound only guards against a cycle in bad data.
MAX_MERGE_HOPS = 50


@dataclass(frozen=True)
class MergeHistory:
    merges: list[CustomerMerge]  # newest first
    names: dict[int, str]  # of every record the merges name


@dataclass(frozen=True)
class MergeSide:
    """What the confirm page shows of one record."""

    customer: Customer
    identities: dict[str, list[str]]
    org: str  # the organisation's name, "" without one
    tickets: int


def get_merge(session: Session, merge_id: int) -> CustomerMerge | None:
    return session.get(CustomerMerge, merge_id)


def get_survivor(session: Session, customer: Customer, max_hops: int = MAX_MERGE_HOPS) -> Customer:
    """The record ``customer`` was merged into, following later merges up to ``max_hops`` and
    stopping at a record that is gone; ``customer`` itself when it was not merged."""
    survivor = customer
    for _hop in range(max_hops):
        found = session.get(Customer, survivor.merged_into_id) if survivor.merged_into_id else None
        if found is None:
            break
        survivor = found
    return survivor


def get_live_survivor_id(session: Session, customer_id: int,
                         max_hops: int = MAX_MERGE_HOPS) -> int | None:
    """The live record a merged-away one ended up in; None when ``customer_id`` is live or gone,
    or when the chain breaks or runs past ``max_hops``."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    survivor = get_survivor(session, customer, max_hops)
    if survivor.id == customer_id or survivor.merged_into_id is not None:
        return None
    return survivor.id


def list_merges(session: Session, customer_id: int, limit: int) -> MergeHistory:
    """The latest merges the record took part in, either side, with the records' names."""
    merges = list(session.exec(select(CustomerMerge).where(
        (col(CustomerMerge.survivor_id) == customer_id) | (col(CustomerMerge.merged_id) == customer_id))
        .order_by(col(CustomerMerge.id).desc()).limit(limit)))
    ids = {m.survivor_id for m in merges} | {m.merged_id for m in merges}
    names = {c.id: c.name for c in session.exec(select(Customer).where(col(Customer.id).in_(ids)))
             if c.id is not None}
    return MergeHistory(merges, names)


def access_merge_side(session: Session, user: User, customer_id: int) -> MergeSide:
    """One record as the merge confirm page compares it (every ticket counted: the merge moves
    them all, whoever may see them)."""
    customer = access_customer(session, user, customer_id)
    org = session.get(Organization, customer.organization_id) if customer.organization_id else None
    tickets = session.exec(select(func.count()).select_from(Ticket).where(
        Ticket.customer_id == customer_id)).one()
    return MergeSide(customer, identities_of(session, customer_id), org.name if org else "",
                     int(tickets))
