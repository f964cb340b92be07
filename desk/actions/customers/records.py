"""Editing a customer record: validated, audited, its identities, tags, fields and search
keys kept in step, its owner told when contact details change.

``create_customer`` and ``update_customer`` take plain dicts of changes so the form, the API,
batch edits and the importer share one validation. Nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from desk.actions.audit import Actor, record
from desk.actions.customers.checks import (
    EDITABLE,
    IDENTITY_LISTS,
    LOCALES,
    MAX_IDENTITIES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    CustomerError,
    field_definitions,
    field_value,
    validated,
)
from desk.actions.customers.review_reminders import book_review_reminders
from desk.actions.inserts import insert_many
from desk.actions.jobs import publish
from desk.actions.tickets.search_index import people_words, refresh_people
from desk.contacts import (
    email_twin_form,
    phone_twin_form,
    search_keys,
)
from desk.events import CustomerChanged
from desk.i18n import _
from desk.models import (
    Customer,
    CustomerIdentity,
    CustomerTag,
    IdentityKind,
    Notification,
    Organization,
    Source,
    Tier,
)
from desk.models.base import now
from desk.models.tables import SEARCH_KEYS
from desk.queries.customers.profile import identities_of, tags_of

CONTACT_DETAILS = ("name", "emails", "phones")
CONTACT_CHANGED = "customer_contact_changed"


def create_customer(session: Session, actor: Actor, values: Mapping[str, Any],
                    source: str = Source.web) -> Customer:
    """Validate and add a customer (flushed). ``values`` needs ``name`` and ``emails``.
    Raises CustomerError and adds nothing then."""
    if not values.get("emails"):
        raise CustomerError("emails", _("At least one email address is required."))
    if source not in {s.value for s in Source}:
        raise CustomerError("source", _("Unknown source."))
    clean = validated(session, None, {"tier": Tier.standard, **values})
    customer = Customer(name=clean["name"], email=clean["emails"][0], source=source,
                        tier=clean["tier"], locale=clean.get("locale", "en"),
                        organization_id=clean.get("organization_id"),
                        owner_id=clean.get("owner_id"), fields=clean.get("fields", {}))
    session.add(customer)
    session.flush()
    assert customer.id is not None
    _write_identities(session, customer.id, clean)
    if "tags" in clean:
        _write_tags(session, customer.id, clean["tags"])
    refresh_search_keys(session, [customer.id])
    record(session, actor, "customer", customer.id, "created",
           {k: [None, v] for k, v in clean.items()})
    if customer.owner_id is not None:
        book_review_reminders(session)
    return customer


def update_customer(session: Session, actor: Actor, customer: Customer,
                    changes: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Apply ``changes`` (a subset of EDITABLE; ``fields`` merges, a None value removes a
    field). Returns what changed as {name: [before, after]}; nothing when nothing did.
    Raises CustomerError and changes nothing then."""
    assert customer.id is not None
    if customer.merged_into_id is not None:
        raise CustomerError("id", _("This record was merged into another one."))
    clean = validated(session, customer.id, changes)
    before = snapshot(session, customer)
    if "fields" in clean:
        merged = {**customer.fields, **clean["fields"]}
        clean["fields"] = {k: v for k, v in merged.items() if v is not None}
    diff = {k: [before[k], v] for k, v in clean.items() if before.get(k) != v}
    if not diff:
        return {}
    for name in ("name", "organization_id", "tier", "owner_id", "locale", "fields"):
        if name in diff:
            setattr(customer, name, clean[name])
    if any(name in diff for name in IDENTITY_LISTS):
        _write_identities(session, customer.id, {k: v for k, v in clean.items() if k in diff})
        if "emails" in diff:
            customer.email = clean["emails"][0]
    if "tags" in diff:
        _write_tags(session, customer.id, clean["tags"])
    customer.updated_at = now()
    session.add(customer)
    session.flush()
    if any(name in diff for name in ("name", "organization_id", *IDENTITY_LISTS)):
        refresh_search_keys(session, [customer.id])
    record(session, actor, "customer", customer.id, "updated", diff)
    publish(session, [CustomerChanged(customer.id, diff)])
    if "owner_id" in diff and customer.owner_id is not None:
        book_review_reminders(session)
    if any(name in diff for name in CONTACT_DETAILS):
        notify_owner(session, actor, customer)
    return diff


def snapshot(session: Session, customer: Customer) -> dict[str, Any]:
    """The record as a change would describe it."""
    assert customer.id is not None
    return dict(name=customer.name, organization_id=customer.organization_id, tier=customer.tier,
                owner_id=customer.owner_id, locale=customer.locale, fields=dict(customer.fields),
                tags=tags_of(session, customer.id), **identities_of(session, customer.id))


def notify_owner(session: Session, actor: Actor, customer: Customer) -> None:
    """Tell the record's owner its contact details changed (not when they changed them)."""
    if customer.owner_id is None or (actor.type in ("user", "api") and actor.id == customer.owner_id):
        return
    session.add(Notification(user_id=customer.owner_id, customer_id=customer.id,
                             kind=CONTACT_CHANGED))


def refresh_search_keys(session: Session, customer_ids: Iterable[int]) -> None:
    """Rewrite the search keys of these records from their name and identities; records
    merged away or gone get none."""
    ids = sorted(set(customer_ids))
    if not ids:
        return
    connection = session.connection()
    connection.execute(delete(SEARCH_KEYS).where(SEARCH_KEYS.c.customer_id.in_(ids)))
    names: dict[int, str] = {}
    orgs: dict[int, str] = {}
    for row in connection.execute(  # type: ignore[var-annotated]
            core_select(col(Customer.id), col(Customer.name), col(Organization.name).label("org"))
            .outerjoin(Organization, col(Organization.id) == col(Customer.organization_id))
            .where(col(Customer.id).in_(ids), col(Customer.merged_into_id).is_(None))):
        names[row.id] = row.name
        orgs[row.id] = row.org or ""
    emails: dict[int, list[str]] = {i: [] for i in names}
    phones: dict[int, list[str]] = {i: [] for i in names}
    for customer_id, kind, value in connection.execute(core_select(
            col(CustomerIdentity.customer_id), col(CustomerIdentity.kind),
            col(CustomerIdentity.value)).where(col(CustomerIdentity.customer_id).in_(list(names)))):
        if kind == IdentityKind.email:
            emails[customer_id].append(value)
        elif kind == IdentityKind.phone:
            phones[customer_id].append(value)
    insert_many(session, SEARCH_KEYS, [
        dict(key=key, customer_id=i) for i, name in names.items()
        for key in search_keys(name, emails[i], phones[i], orgs[i])])
    # Their tickets are found by the same name, addresses and organisation.
    refresh_people(session, {i: people_words(name, emails[i], orgs[i]) for i, name in names.items()})


def identity_row(customer_id: int, kind: str, value: str) -> dict[str, Any]:
    """The values of one identity row (``value`` already normalised)."""
    if kind == IdentityKind.email:
        twin = email_twin_form(value)
    elif kind == IdentityKind.phone:
        twin = phone_twin_form(value)
    else:
        twin = value
    return dict(customer_id=customer_id, kind=kind, value=value, normalised=twin, label="",
                created_at=now())


def _write_identities(session: Session, customer_id: int, clean: Mapping[str, Any]) -> None:
    rows: list[dict[str, Any]] = []
    for name, kind in IDENTITY_LISTS.items():
        if name not in clean:
            continue
        wanted = list(clean[name])
        existing = {row.value: row for row in session.exec(select(CustomerIdentity).where(
            CustomerIdentity.customer_id == customer_id, CustomerIdentity.kind == kind))}
        for value, row in existing.items():
            if value not in wanted:
                session.delete(row)
        rows += [identity_row(customer_id, kind, v) for v in wanted if v not in existing]
    session.flush()
    insert_many(session, CustomerIdentity.__table__, rows)  # type: ignore[attr-defined]


def _write_tags(session: Session, customer_id: int, tags: Sequence[str]) -> None:
    session.connection().execute(delete(CustomerTag).where(
        col(CustomerTag.customer_id) == customer_id))
    insert_many(session, CustomerTag.__table__,  # type: ignore[attr-defined]
                [dict(customer_id=customer_id, tag=t) for t in tags])


__all__ = ["EDITABLE", "IDENTITY_LISTS", "LOCALES", "MAX_IDENTITIES", "MAX_TAGS", "MAX_TAG_LENGTH",
           "CustomerError", "create_customer", "field_definitions", "field_value", "identities_of",
           "identity_row", "notify_owner", "refresh_search_keys", "snapshot", "tags_of", "update_customer"]
