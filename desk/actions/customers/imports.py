"""Importing customers from a CSV file: update-or-create by email and phone, in chunks.

Lines naming an email or phone an earlier line named are merged into that earlier line (its
later non-empty values win, emails, phones and tags add up): a file exported twice over, or
one person on two lines, makes one customer. A line whose emails and phones belong to two
different existing customers is an error: merging records is a person's decision.

New customers are written with bulk inserts (customers, identities, tags, search keys, audit
rows: one "created" row each, source "import"); existing ones that change go through
``update_customer`` (validated, audited, their owner told). Each chunk is committed on its own
so a big file never holds one giant transaction; importing the same file again changes nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from desk.actions.audit import Actor
from desk.actions.bulk_inserts import copy_rows
from desk.actions.customers.csv_files import (
    CsvError,
    CsvFile,
    Entry,
    RowReader,
    valid_targets,
)
from desk.actions.customers.import_report import (
    ImportReport,
    count_outcome,
    fail_entry,
    file_entries,
)
from desk.actions.customers.organizations import OrganizationError, create_organization
from desk.actions.customers.records import (
    CustomerError,
    field_definitions,
    update_customer,
)
from desk.actions.customers.review_reminders import book_review_reminders
from desk.contacts import email_twin_form, phone_twin_form, search_keys
from desk.db import Database, commit
from desk.i18n import _
from desk.models import Customer, CustomerIdentity, CustomerTag, IdentityKind, Organization, User
from desk.models.base import now
from desk.models.tables import AUDIT, CUSTOMER_TAGS, CUSTOMERS, IDENTITIES, SEARCH_KEYS

CHUNK = 10_000
CUSTOMER_COLUMNS = ("name", "email", "organization_id", "tier", "source", "locale", "owner_id",
                    "fields", "created_at", "updated_at")
IDENTITY_COLUMNS = ("customer_id", "kind", "value", "normalised", "label", "created_at")
AUDIT_COLUMNS = ("at", "actor_type", "actor_id", "actor_name", "entity", "entity_id", "action",
                 "changes")
SQLITE_CACHE_KB = 256 * 1024
# Values per IN (...): well under SQLite's limit of bound parameters.
LOOKUP_SLICE = 1_000


def check_mapping(session: Session, mapping: Sequence[str]) -> None:
    """Raises CsvError when a target is unknown, given twice, or no column gives the email."""
    targets = set(valid_targets(field_definitions(session)))
    chosen = [t for t in mapping if t]
    for target in chosen:
        if target not in targets:
            raise CsvError(_("Unknown field: %(name)s."), name=target)
    if len(set(chosen)) != len(chosen):
        raise CsvError(_("Each field can take one column only."))
    if not {"email", "emails"} & set(chosen):
        raise CsvError(_("Choose the column that holds the email address."))


def import_customers(db: Database, actor: Actor, file: CsvFile, mapping: Sequence[str],
                     dry_run: bool = False, chunk_size: int = CHUNK) -> ImportReport:
    """Import the rows of ``file`` with ``mapping`` (a target per column, "" to ignore it).
    ``dry_run`` reports what would happen and writes nothing. Raises CsvError for a bad mapping."""
    report = ImportReport()
    with db.session() as session, _big_cache(session):
        check_mapping(session, mapping)
        reader = RowReader(mapping, {f.key: f for f in field_definitions(session)},
                           _owners(session))
        entries = file_entries(file, reader, report)
        name_column = file.headers[mapping.index("name")] if "name" in mapping else ""
        orgs: dict[str, int] = {}
        for start in range(0, len(entries), chunk_size):
            _import_chunk(session, actor, entries[start:start + chunk_size], name_column, report,
                          orgs)
            if not dry_run:
                commit(session)
                chunk_number = start // chunk_size + 1
                # Fresh statistics whenever the tables have about doubled, not after every chunk.
                if chunk_number & (chunk_number - 1) == 0:
                    _analyze(session)
        if not dry_run and any(e.owner_id is not None for e in entries):
            book_review_reminders(session)
            commit(session)
        session.rollback()
    report.errors.sort(key=lambda e: e.line)
    return report


def _analyze(session: Session) -> None:
    """Fresh statistics on PostgreSQL for the tables the next chunk looks up."""
    if session.connection().dialect.name == "postgresql":
        session.connection().exec_driver_sql("ANALYZE customer, customeridentity")
        commit(session)


@contextmanager
def _big_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache that holds the search-key index while it grows (the default
    2 MB makes every insert a read at a million keys); back to the default afterwards."""
    if session.connection().dialect.name != "sqlite":
        yield
        return
    session.connection().exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
    try:
        yield
    finally:
        session.connection().exec_driver_sql("PRAGMA cache_size=-2000")


def _owners(session: Session) -> dict[str, int]:
    return {email.lower(): uid for email, uid in session.execute(
        select(col(User.email), col(User.id)).where(col(User.is_active).is_(True))) if uid}


def _import_chunk(session: Session, actor: Actor, entries: list[Entry], name_column: str,
                  report: ImportReport, orgs: dict[str, int]) -> None:
    owners = _existing_owners(session, entries)
    new: list[Entry] = []
    existing: dict[int, Entry] = {}
    for entry in entries:
        found = sorted({owners[k] for k in _keys(entry) if k in owners})
        if len(found) > 1:
            fail_entry(report, entry, "", _("The email addresses and phone numbers of this line "
                                             "belong to different customers (#%(first)s and "
                                             "#%(second)s)."),
                        {"first": str(found[0]), "second": str(found[1])})
        elif found and found[0] in existing:
            fail_entry(report, entry, "", _("Another line of the file updates the same customer "
                                             "(#%(id)s)."), {"id": str(found[0])})
        elif found:
            existing[found[0]] = entry
        elif not entry.name:
            fail_entry(report, entry, name_column, _("A name is required."))
        else:
            new.append(entry)
    _join_by_domain(session, new)
    org_ids = _organizations(session, actor, [*new, *existing.values()], orgs, report)
    _create(session, actor, [e for e in new if not e.organization or e.organization in org_ids],
            org_ids, report)
    _update(session, actor, {i: e for i, e in existing.items()
                             if not e.organization or e.organization in org_ids}, org_ids, report)


def _join_by_domain(session: Session, entries: list[Entry]) -> None:
    """New customers the file gives no organisation join the one whose domain is their
    address's (when it lets new customers join), with its tier unless the file gives one:
    the same rule as mail and forms."""
    lacking = [e for e in entries if not e.organization]
    domains = sorted({e.emails[0].rpartition("@")[2] for e in lacking})
    by_domain: dict[str, tuple[str, str]] = {}
    for start in range(0, len(domains), LOOKUP_SLICE):
        by_domain.update({domain: (name, tier) for domain, name, tier in session.execute(
            select(col(Organization.domain), col(Organization.name), col(Organization.tier)).where(
                col(Organization.domain).in_(domains[start:start + LOOKUP_SLICE]),
                col(Organization.auto_join).is_(True)))})
    for entry in lacking:
        joined = by_domain.get(entry.emails[0].rpartition("@")[2])
        if joined is not None:
            entry.organization = joined[0]
            entry.tier = entry.tier or joined[1]


def _keys(entry: Entry) -> list[tuple[str, str]]:
    return ([(IdentityKind.email.value, e) for e in entry.emails]
            + [(IdentityKind.phone.value, p) for p in entry.phones])


def _existing_owners(session: Session, entries: list[Entry]) -> dict[tuple[str, str], int]:
    """Which live customer holds each email and phone of these entries."""
    found: dict[tuple[str, str], int] = {}
    for kind, values in ((IdentityKind.email.value, [e for x in entries for e in x.emails]),
                         (IdentityKind.phone.value, [p for x in entries for p in x.phones])):
        for start in range(0, len(values), LOOKUP_SLICE):
            # No join to customer here: PostgreSQL, without statistics on tables that just grew,
            # plans one as a nested loop over sequential scans (seconds per slice).
            found.update({(kind, value): customer_id for value, customer_id in session.execute(
                select(col(CustomerIdentity.value), col(CustomerIdentity.customer_id)).where(
                    col(CustomerIdentity.kind) == kind,
                    col(CustomerIdentity.value).in_(values[start:start + LOOKUP_SLICE])))})
    ids = sorted(set(found.values()))
    merged: set[int] = set()
    for start in range(0, len(ids), LOOKUP_SLICE):
        merged.update(session.scalars(select(col(Customer.id)).where(
            col(Customer.id).in_(ids[start:start + LOOKUP_SLICE]),
            col(Customer.merged_into_id).is_not(None))))
    return {key: i for key, i in found.items() if i not in merged}


def _organizations(session: Session, actor: Actor, entries: list[Entry], orgs: dict[str, int],
                   report: ImportReport) -> dict[str, int]:
    """The id of each organisation these entries name (matched ignoring case), new ones created;
    entries naming one that cannot be created are failed."""
    wanted = {e.organization for e in entries if e.organization}
    missing = sorted({n.casefold() for n in wanted} - set(orgs))
    for start in range(0, len(missing), LOOKUP_SLICE):
        orgs.update({name.casefold(): org_id for org_id, name in session.execute(
            select(col(Organization.id), col(Organization.name)).where(
                func.lower(col(Organization.name)).in_(missing[start:start + LOOKUP_SLICE])))})
    ids: dict[str, int] = {}
    for name in sorted(wanted):
        if name.casefold() not in orgs:
            try:
                org = create_organization(session, actor, {"name": name})
            except OrganizationError as exc:
                for entry in entries:
                    if entry.organization == name:
                        fail_entry(report, entry, "", exc.message, exc.params)
                continue
            assert org.id is not None
            orgs[name.casefold()] = org.id
        ids[name] = orgs[name.casefold()]
    return ids


def _create(session: Session, actor: Actor, entries: list[Entry], org_ids: dict[str, int],
            report: ImportReport) -> None:
    """Bulk-insert new customers with their identities, tags, search keys and audit rows."""
    if not entries:
        return
    at = now()
    values = [_values(entry, org_ids) for entry in entries]
    copy_rows(session, CUSTOMERS, CUSTOMER_COLUMNS, (
        (v["name"], v["emails"][0], v["organization_id"], v["tier"], e.source or "import", "en",
         v["owner_id"], v["fields"], at, at) for e, v in zip(entries, values, strict=True)))
    ids = _ids_by_email(session, [e.emails[0] for e in entries])
    identities: list[tuple[Any, ...]] = []
    keys: list[tuple[str, int]] = []
    audits: list[tuple[Any, ...]] = []
    for entry, v in zip(entries, values, strict=True):
        customer_id = ids[entry.emails[0]]
        identities += [(customer_id, IdentityKind.email.value, e, email_twin_form(e), "", at)
                       for e in entry.emails]
        identities += [(customer_id, IdentityKind.phone.value, p, phone_twin_form(p), "", at)
                       for p in entry.phones]
        keys += [(k, customer_id)
                 for k in search_keys(entry.name, entry.emails, entry.phones, entry.organization)]
        audits.append((at, actor.type, actor.id, actor.name, "customer", customer_id, "created",
                       {k: [None, x] for k, x in v.items() if x not in (None, [], {})}))
        count_outcome(report, entry, "created")
    copy_rows(session, IDENTITIES, IDENTITY_COLUMNS, identities)
    copy_rows(session, CUSTOMER_TAGS, ("customer_id", "tag"),
              ((ids[e.emails[0]], t) for e in entries for t in e.tags))
    # In key order, the key index grows at few places instead of all over the tree.
    copy_rows(session, SEARCH_KEYS, ("key", "customer_id"), sorted(keys))
    copy_rows(session, AUDIT, AUDIT_COLUMNS, audits)


def _ids_by_email(session: Session, emails: list[str]) -> dict[str, int]:
    # Primary emails are unique: they give back the ids of the rows just copied in.
    ids: dict[str, int] = {}
    for start in range(0, len(emails), LOOKUP_SLICE):
        ids.update((email, customer_id) for email, customer_id in session.execute(
            select(col(Customer.email), col(Customer.id)).where(
                col(Customer.email).in_(emails[start:start + LOOKUP_SLICE]))))
    return ids


def _values(entry: Entry, org_ids: dict[str, int]) -> dict[str, Any]:
    return dict(name=entry.name, emails=entry.emails, phones=entry.phones,
                organization_id=org_ids.get(entry.organization), tier=entry.tier or "standard",
                owner_id=entry.owner_id, tags=entry.tags,
                fields={k: v for k, v in entry.fields.items() if v is not None})


def _update(session: Session, actor: Actor, entries: dict[int, Entry], org_ids: dict[str, int],
            report: ImportReport) -> None:
    """Apply what the file adds to existing customers; unchanged ones cost no write."""
    if not entries:
        return
    ids = sorted(entries)
    customers = {c.id: c for c in session.scalars(select(Customer).where(col(Customer.id).in_(ids)))}
    held: dict[int, dict[str, list[str]]] = {i: {"email": [], "phone": []} for i in ids}
    for customer_id, kind, value in session.execute(
            select(col(CustomerIdentity.customer_id), col(CustomerIdentity.kind),
                   col(CustomerIdentity.value)).where(col(CustomerIdentity.customer_id).in_(ids),
                                                      col(CustomerIdentity.kind).in_(
                                                          ["email", "phone"]))
            .order_by(col(CustomerIdentity.id))):
        held[customer_id][kind].append(value)
    tags: dict[int, set[str]] = {i: set() for i in ids}
    for customer_id, tag in session.execute(select(col(CustomerTag.customer_id),
                                                   col(CustomerTag.tag)).where(
            col(CustomerTag.customer_id).in_(ids))):
        tags[customer_id].add(tag)
    for customer_id, entry in entries.items():
        customer = customers[customer_id]
        changes = _changes(customer, entry, held[customer_id], tags[customer_id], org_ids)
        if not changes:
            count_outcome(report, entry, "unchanged")
            continue
        try:
            # It validates before it writes: a refused change leaves nothing behind.
            update_customer(session, actor, customer, changes)
        except CustomerError as exc:
            fail_entry(report, entry, "", exc.message, exc.params)
            continue
        count_outcome(report, entry, "updated")


def _changes(customer: Customer, entry: Entry, held: dict[str, list[str]], tags: set[str],
             org_ids: dict[str, int]) -> dict[str, Any]:
    """What the entry adds to or changes on the record (emails, phones and tags are added to,
    never removed)."""
    changes: dict[str, Any] = {}
    if entry.name and entry.name != customer.name:
        changes["name"] = entry.name
    emails = [customer.email] + [e for e in held["email"] if e != customer.email]
    if any(e not in emails for e in entry.emails):
        changes["emails"] = emails + [e for e in entry.emails if e not in emails]
    if any(p not in held["phone"] for p in entry.phones):
        changes["phones"] = held["phone"] + [p for p in entry.phones if p not in held["phone"]]
    scalars = {"organization_id": org_ids.get(entry.organization), "tier": entry.tier or None,
               "owner_id": entry.owner_id}
    changes.update({k: v for k, v in scalars.items()
                    if v is not None and v != getattr(customer, k)})
    fields = {k: v for k, v in entry.fields.items() if customer.fields.get(k) != v}
    if fields:
        changes["fields"] = fields
    if not set(entry.tags) <= tags:
        changes["tags"] = sorted(tags | set(entry.tags))
    return changes
