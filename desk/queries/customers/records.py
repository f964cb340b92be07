"""Finding customers: search by name, email, phone or organisation (Chinese and partial input
included), filters, sorting and paging, and the permission to see a record.

Search is a range scan on ``customersearchkey.key`` (``key >= term AND key < term + U+10FFFF``)
in key order, so it stops after a page whatever the number of customers; further terms are
checked per candidate by a LIMIT 1 probe on the (customer_id, key) index. With several terms the
rarest one drives the scan (counted up to DRIVER_PROBE keys each): "anna 无名氏" walks the few
无名氏 keys, not every Anna's, when few or none have both."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, literal, select
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from desk.contacts import joined_term, prefix_end, query_terms
from desk.models import Customer, CustomerField, IdentityKind, Role, User
from desk.models.tables import CUSTOMER_TAGS, CUSTOMERS, IDENTITIES, ORGANIZATIONS, SEARCH_KEYS
from desk.queries.errors import Forbidden, NotFound

PAGE_SIZE = 50
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (CUSTOMERS.c.name.asc(), CUSTOMERS.c.id.asc()),
    "newest": (CUSTOMERS.c.id.desc(),),
    "oldest": (CUSTOMERS.c.id.asc(),),
    "updated": (CUSTOMERS.c.updated_at.desc(), CUSTOMERS.c.id.desc()),
}
# How many keys per term are counted to pick the rarest term to scan by.
DRIVER_PROBE = 1_000
# With a query, results come in key order (the best prefix matches first) unless sorted.
RELEVANCE = "relevance"


@dataclass
class CustomerFilter:
    q: str = ""
    tier: str | None = None
    source: str | None = None
    tag: str | None = None
    organization_id: int | None = None
    owner_id: int | None = None
    sort: str = ""  # "" = relevance with a query, "newest" without
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass
class CustomerPage:
    customers: list[Customer]
    page: int
    has_next: bool
    filters: CustomerFilter = field(default_factory=CustomerFilter)


def access_customer(session: Session, user: User, customer_id: int) -> Customer:
    """A live record any active staff member may read (merged-away records are NotFound)."""
    if not user.is_active:
        raise Forbidden()
    customer = session.get(Customer, customer_id)
    if customer is None or customer.merged_into_id is not None:
        raise NotFound()
    return customer


def get_customer(session: Session, customer_id: int) -> Customer | None:
    """The record, live or merged away."""
    return session.get(Customer, customer_id)


def may_manage_customers(user: User) -> bool:
    """Transfer, privacy export and anonymisation are for supervisors and admins."""
    return user.is_active and user.role in (Role.supervisor, Role.admin)


def filter_conditions(f: CustomerFilter) -> list[ColumnElement[bool]]:
    """The WHERE of a filter without its query: live records with these attributes."""
    c = CUSTOMERS.c
    where: list[ColumnElement[bool]] = [c.merged_into_id.is_(None)]
    if f.tier:
        where.append(c.tier == f.tier)
    if f.source:
        where.append(c.source == f.source)
    if f.organization_id is not None:
        where.append(c.organization_id == f.organization_id)
    if f.owner_id is not None:
        where.append(c.owner_id == f.owner_id)
    if f.tag:
        tags = CUSTOMER_TAGS
        where.append(exists().where(tags.c.customer_id == c.id, tags.c.tag == f.tag.strip().lower()))
    return where


def matching_ids(f: CustomerFilter) -> Select[Any]:
    """Ids of every record the filter selects (for batch edits and export), unordered."""
    statement = select(CUSTOMERS.c.id).where(*filter_conditions(f))
    terms = query_terms(f.q)
    if terms:
        statement = statement.where(CUSTOMERS.c.id.in_(_key_matches(terms)[0].distinct()))
    return statement


def list_matching_ids(session: Session, f: CustomerFilter) -> list[int]:
    """Ids of every record the filter selects (a batch edit over a whole filter)."""
    return list(session.connection().execute(matching_ids(f)).scalars())


def list_customers(session: Session, f: CustomerFilter) -> CustomerPage:
    """One page of the filter's records."""
    page = max(1, f.page)
    size = max(1, min(f.page_size, 500))
    terms = query_terms(f.q)
    if terms and f.sort in ("", RELEVANCE):
        ids, has_next = _by_relevance(session, _search_terms(session, f, size), f, page, size)
    else:
        order = SORTS.get(f.sort) or SORTS["newest"]
        statement = matching_ids(f).order_by(*order).offset((page - 1) * size).limit(size + 1)
        ids = list(session.connection().execute(statement).scalars())
        has_next = len(ids) > size
        ids = ids[:size]
    by_id = {c.id: c for c in session.exec(
        sqlmodel_select(Customer).where(col(Customer.id).in_(ids)))} if ids else {}
    return CustomerPage([by_id[i] for i in ids if i in by_id], page, has_next, f)


def count_customers(session: Session, f: CustomerFilter, cap: int = 10_000) -> int:
    """How many records the filter selects, counted up to ``cap`` (a count of a million rows
    is slow; the page says "10,000+")."""
    terms = query_terms(f.q)
    if terms:
        # Distinct records straight off the key range, so the count stops at the cap instead
        # of collecting every match of a short prefix first ("a" has a million keys).
        key_matches, first = _key_matches(_search_terms(session, f, PAGE_SIZE))
        matches = (key_matches.join(CUSTOMERS, CUSTOMERS.c.id == first.c.customer_id)
                   .where(*filter_conditions(f)).distinct())
    else:
        matches = matching_ids(f)
    statement = select(func.count()).select_from(matches.limit(cap + 1).subquery())
    return int(session.connection().execute(statement).scalar_one())


def tags_by_customer(session: Session, customer_ids: Sequence[int]) -> dict[int, list[str]]:
    """The tags of these records, sorted, by record id."""
    tags: dict[int, list[str]] = defaultdict(list)
    if customer_ids:
        t = CUSTOMER_TAGS.c
        for customer_id, tag in session.connection().execute(
                select(t.customer_id, t.tag).where(t.customer_id.in_(customer_ids)).order_by(t.tag)):
            tags[customer_id].append(tag)
    return tags


def field_keys(session: Session) -> list[str]:
    """The custom fields' keys in the order admins gave them."""
    return list(session.exec(sqlmodel_select(CustomerField.key).order_by(
        col(CustomerField.position), col(CustomerField.id))))


def export_chunks(session: Session, f: CustomerFilter, size: int = 1_000) -> Iterator[list[dict[str, Any]]]:
    """Every record the filter selects, by id, ``size`` at a time, with its identities,
    organisation name, owner email and tags: a keyset walk, so memory stays flat at any count."""
    c, users = CUSTOMERS.c, User.__table__.c  # type: ignore[attr-defined]
    last = 0
    while True:
        statement = (select(c.id, c.name, c.email, c.tier, c.source, c.fields, c.created_at,
                            c.updated_at, ORGANIZATIONS.c.name.label("organization"),
                            users.email.label("owner"))
                     .outerjoin(ORGANIZATIONS, ORGANIZATIONS.c.id == c.organization_id)
                     .outerjoin(User.__table__, users.id == c.owner_id)  # type: ignore[attr-defined]
                     .where(c.id.in_(matching_ids(f).where(c.id > last).order_by(c.id).limit(size)))
                     .order_by(c.id))
        rows = [dict(row._mapping) for row in session.connection().execute(statement)]
        if not rows:
            return
        ids = [row["id"] for row in rows]
        last = ids[-1]
        tags = tags_by_customer(session, ids)
        contacts: dict[int, dict[str, list[str]]] = {i: {"email": [], "phone": []} for i in ids}
        i = IDENTITIES.c
        for customer_id, kind, value in session.connection().execute(
                select(i.customer_id, i.kind, i.value).where(
                    i.customer_id.in_(ids), i.kind.in_([IdentityKind.email, IdentityKind.phone]))
                .order_by(i.id)):
            contacts[customer_id][kind].append(value)
        for row in rows:
            emails = contacts[row["id"]]["email"]
            # The primary address first, then the others in the order they were added.
            row["emails"] = [row["email"], *(e for e in emails if e != row["email"])]
            row["phones"] = contacts[row["id"]]["phone"]
            row["tags"] = tags.get(row["id"], [])
            row["fields"] = row["fields"] or {}
        yield rows
        if len(rows) < size:
            return


def _search_terms(session: Session, f: CustomerFilter, size: int) -> list[str]:
    """The terms to search by. Several words are first tried written together: one range
    scan over the joined keys of names and organisations ("golden summit trading" is a few
    hundred keys, where checking three common words per candidate costs thousands of
    probes); when that finds less than a page, each word must match."""
    joined = joined_term(f.q)
    if joined is not None:
        probe = (select(SEARCH_KEYS.c.customer_id)
                 .where(SEARCH_KEYS.c.key >= joined, SEARCH_KEYS.c.key < prefix_end(joined))
                 .join(CUSTOMERS, CUSTOMERS.c.id == SEARCH_KEYS.c.customer_id)
                 .where(*filter_conditions(f)).distinct().limit(size + 1))
        found = session.connection().execute(
            select(func.count()).select_from(probe.subquery())).scalar_one()
        if found > size:
            return [joined]
    return _rarest_first(session, query_terms(f.q))


def _rarest_first(session: Session, terms: list[str]) -> list[str]:
    """The terms with the one matching the fewest keys first (ties: longest first)."""
    if len(terms) < 2:
        return terms
    k = SEARCH_KEYS.c
    counts = {term: session.connection().execute(select(func.count()).select_from(
        select(k.key).where(k.key >= term, k.key < prefix_end(term)).limit(DRIVER_PROBE).subquery()
    )).scalar_one() for term in terms}
    return sorted(terms, key=lambda term: counts[term])


def _key_matches(terms: list[str]) -> tuple[Select[Any], Any]:
    first = SEARCH_KEYS.alias("k1")
    statement = select(first.c.customer_id).where(
        first.c.key >= terms[0], first.c.key < prefix_end(terms[0]))
    for term in terms[1:]:
        # A scalar subquery with LIMIT 1, not EXISTS: PostgreSQL turns EXISTS into a hash of
        # every key of the term ("smith": tens of thousands at a million customers) before the
        # first row; this stays one probe per candidate on (customer_id, key), in key order.
        other = SEARCH_KEYS.alias()
        probe = select(literal(1)).where(other.c.customer_id == first.c.customer_id,
                                         other.c.key >= term, other.c.key < prefix_end(term)).limit(1)
        statement = statement.where(probe.scalar_subquery().is_not(None))
    return statement, first


def _by_relevance(session: Session, terms: list[str], f: CustomerFilter, page: int,
                  size: int) -> tuple[list[int], bool]:
    """Walk the first term's keys in order, dropping records already seen (one customer
    has several keys with the same prefix), until the page and one more are found."""
    key_matches, first = _key_matches(terms)
    statement = (key_matches.add_columns(first.c.key)
                 .join(CUSTOMERS, CUSTOMERS.c.id == first.c.customer_id)
                 .where(*filter_conditions(f))
                 .order_by(first.c.key, first.c.customer_id))
    wanted = page * size + 1
    # Most records match by one key only; growing the batch covers those that match by several.
    batch = wanted + 8
    while True:
        rows = session.connection().execute(statement.limit(batch)).all()
        seen: dict[int, None] = {}
        for row in rows:
            seen.setdefault(row.customer_id)
        if len(seen) >= wanted or len(rows) < batch:
            break
        batch *= 4
    ids = list(seen)[(page - 1) * size:]
    return ids[:size], len(ids) > size
