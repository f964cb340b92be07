"""Likely duplicates: live records sharing an email or phone in its twin form (no +tag or
Gmail dots; a phone's last nine digits), or the same name in the same organisation.

Merged records own no identities (a merge moves them), so identity groups need no join to
leave them out. The desk-wide list walks ``ix_customeridentity_normalised`` and
``ix_customer_name`` in order and stops after a page of groups, whatever the number of
customers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import func, select
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from desk.models import Customer, IdentityKind
from desk.models.tables import CUSTOMERS, IDENTITIES

# Reason codes, as the pages show them (translated there).
EMAIL, PHONE, NAME_ORG = "email", "phone", "name_org"
_REASON_OF_KIND = {IdentityKind.email.value: EMAIL, IdentityKind.phone.value: PHONE}


@dataclass
class Suggestion:
    customer: Customer
    reasons: list[str]


@dataclass
class Pair:
    """Two live records that look like one person; ``first`` is the older."""

    first: Customer
    second: Customer
    reasons: list[str]


@dataclass
class PairPage:
    pairs: list[Pair]
    has_next: bool


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def duplicates_of(session: Session, customer_id: int, limit: int = 20) -> list[Suggestion]:
    """Live records that look like this one, those sharing contact details first."""
    me = session.get(Customer, customer_id)
    if me is None or me.merged_into_id is not None:
        return []
    reasons: dict[int, set[str]] = {}
    mine = {(kind, norm) for kind, norm in session.connection().execute(
        select(IDENTITIES.c.kind, IDENTITIES.c.normalised).where(
            IDENTITIES.c.customer_id == customer_id,
            IDENTITIES.c.kind.in_(list(_REASON_OF_KIND))))}
    if mine:
        rows = session.connection().execute(
            select(IDENTITIES.c.customer_id, IDENTITIES.c.kind, IDENTITIES.c.normalised).where(
                IDENTITIES.c.normalised.in_(sorted({norm for _, norm in mine})),
                IDENTITIES.c.customer_id != customer_id).limit(limit * 10))
        for other_id, kind, norm in rows:
            if (kind, norm) in mine:
                reasons.setdefault(other_id, set()).add(_REASON_OF_KIND[kind])
    if me.organization_id is not None:
        wanted = _name_key(me.name)
        # Only the organisation's records are read: names are compared folded in Python, where
        # case folding is Unicode-aware on every database.
        same_org = session.connection().execute(select(CUSTOMERS.c.id, CUSTOMERS.c.name).where(
            CUSTOMERS.c.organization_id == me.organization_id, CUSTOMERS.c.id != customer_id,
            func.lower(func.trim(CUSTOMERS.c.name)) == wanted.lower()
            if wanted.isascii() else CUSTOMERS.c.name.is_not(None)).limit(5_000))
        for other_id, name in same_org:
            if _name_key(name) == wanted:
                reasons.setdefault(other_id, set()).add(NAME_ORG)
    customers = _live(session, reasons)
    ranked = sorted(customers.values(), key=lambda c: (-len(reasons[c.id or 0]), c.id))
    return [Suggestion(c, _ordered(reasons[c.id or 0])) for c in ranked[:limit]]


def duplicate_pairs(session: Session, limit: int = 100, offset: int = 0) -> PairPage:
    """One page of the desk's likely duplicates: ``limit`` groups of shared contact details and
    ``limit`` groups of names shared within an organisation, from ``offset`` of each. Names
    are compared as stored here (trimmed on entry); the record's own page compares case-blind."""
    reasons: dict[tuple[int, int], set[str]] = {}
    # MIN < MAX rather than COUNT(DISTINCT) > 1, and no filter on the kind: then the groups
    # stream off the index in order and the LIMIT stops the scan (web and api ids sharing a
    # value with an address are dropped below, by kind).
    groups = list(session.connection().execute(
        select(IDENTITIES.c.normalised).group_by(IDENTITIES.c.normalised)
        .having(func.min(IDENTITIES.c.customer_id) < func.max(IDENTITIES.c.customer_id))
        .order_by(IDENTITIES.c.normalised).offset(offset).limit(limit + 1)).scalars())
    has_next = len(groups) > limit
    if groups[:limit]:
        members: dict[tuple[str, str], set[int]] = {}
        for customer_id, kind, norm in session.connection().execute(
                select(IDENTITIES.c.customer_id, IDENTITIES.c.kind, IDENTITIES.c.normalised)
                .where(IDENTITIES.c.normalised.in_(groups[:limit]))):
            if kind in _REASON_OF_KIND:
                members.setdefault((kind, norm), set()).add(customer_id)
        for (kind, _), ids in members.items():
            _add_pairs(reasons, ids, _REASON_OF_KIND[kind])
    names = list(session.connection().execute(
        select(CUSTOMERS.c.name).where(CUSTOMERS.c.organization_id.is_not(None),
                                       CUSTOMERS.c.merged_into_id.is_(None))
        .group_by(CUSTOMERS.c.name)
        .having(func.count() > func.count(func.distinct(CUSTOMERS.c.organization_id)))
        .order_by(CUSTOMERS.c.name).offset(offset).limit(limit + 1)).scalars())
    has_next = has_next or len(names) > limit
    if names[:limit]:
        by_org: dict[tuple[str, int], set[int]] = {}
        for customer_id, name, org_id in session.connection().execute(
                select(CUSTOMERS.c.id, CUSTOMERS.c.name, CUSTOMERS.c.organization_id).where(
                    CUSTOMERS.c.name.in_(names[:limit]), CUSTOMERS.c.organization_id.is_not(None),
                    CUSTOMERS.c.merged_into_id.is_(None))):
            by_org.setdefault((name, org_id), set()).add(customer_id)
        for ids in by_org.values():
            _add_pairs(reasons, ids, NAME_ORG)
    customers = _live(session, {i: set() for pair in reasons for i in pair})
    pairs = [Pair(customers[a], customers[b], _ordered(r)) for (a, b), r in sorted(reasons.items())
             if a in customers and b in customers]
    return PairPage(pairs, has_next)


def _add_pairs(reasons: dict[tuple[int, int], set[str]], ids: Iterable[int], reason: str) -> None:
    # A group is a handful of records; cap it so one address shared by hundreds stays cheap.
    for a, b in combinations(sorted(ids)[:20], 2):
        reasons.setdefault((a, b), set()).add(reason)


def _live(session: Session, ids: Iterable[int]) -> dict[int, Customer]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {c.id: c for c in session.exec(sqlmodel_select(Customer).where(
        col(Customer.id).in_(wanted), col(Customer.merged_into_id).is_(None),
        col(Customer.anonymised_at).is_(None))) if c.id is not None}


def _ordered(reasons: Iterable[str]) -> list[str]:
    order = (EMAIL, PHONE, NAME_ORG)
    return sorted(reasons, key=order.index)
