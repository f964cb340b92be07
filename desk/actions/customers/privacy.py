"""Privacy requests: export everything Desk holds on one customer, and anonymise a customer.

What anonymisation does (tickets stay, personal data goes):
- the record: name "Anonymised customer #ID" (plain text, the same in every language), primary
  email ``anonymised-ID@anonymised.invalid`` as its only identity (every other identity is
  deleted, so mail from an old address makes a new customer), tags, notes, custom fields and
  owner cleared, ``anonymised_at`` set, search keys rewritten from the new name;
- records merged into it lose their name and fields the same way (their tickets are its own);
- every message on its tickets and every message it wrote: its email addresses, phone numbers
  and name are replaced by "[removed]" in text and html, agent replies included (they greet
  the customer by name); the same in ticket subjects and in the mail the desk sent them, whose
  recipient becomes the placeholder address;
- attachments of the messages it sent are deleted (rows now, files once the caller committed:
  ``remove_files``); attachments agents added stay;
- raw mail stored for its tickets is emptied (the row stays, so mailbox accounting and
  duplicate detection by Message-ID still add up);
- the audit trail: earlier rows about the record, its tickets and merges carry the old name and
  addresses in their changes, so those strings are redacted too, and rows it is the actor of
  show the new name. The "anonymised" row holds counts only.
The organisation link and the locale stay: they are not personal. Nothing here commits."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from desk.actions.audit import Actor, record
from desk.actions.customers.records import (
    CustomerError,
    field_definitions,
    identity_row,
    refresh_search_keys,
    tags_of,
)
from desk.actions.ingest.submissions import forget_failed_from
from desk.actions.inserts import insert_many
from desk.actions.tickets.search_index import reindex_tickets
from desk.attachment_store import attachment_files
from desk.contacts import InvalidContact, normalise_phone, phone_twin_form
from desk.i18n import _
from desk.models import (
    Attachment,
    AuditEntry,
    Customer,
    CustomerIdentity,
    CustomerMerge,
    CustomerNote,
    Direction,
    IdentityKind,
    Message,
    Organization,
    Ticket,
    User,
)
from desk.models.base import now
from desk.models.tables import (
    ATTACHMENTS,
    AUDIT,
    CUSTOMER_TAGS,
    CUSTOMERS,
    IDENTITIES,
    MESSAGES,
    OUTBOX,
    RAW,
    RAW_BYTES,
    TICKETS,
    _table,
)

REMOVED = "[removed]"
NOTES = _table(CustomerNote)
MERGES = _table(CustomerMerge)
_EMAILISH = re.compile(r"[^\s<>(),;:\"'\[\]]+@[^\s<>(),;:\"'\[\]]+", re.UNICODE)
_PHONEISH = re.compile(r"\+?\d[\d\s\-().\u00a0/]{3,22}\d")


def anonymised_name(customer_id: int) -> str:
    return f"Anonymised customer #{customer_id}"


def anonymised_email(customer_id: int) -> str:
    return f"anonymised-{customer_id}@anonymised.invalid"


@dataclass
class Anonymised:
    messages: int = 0
    attachments: int = 0
    raw_mails: int = 0
    form_requests: int = 0  # failed web-form requests from the customer's addresses, deleted
    # Attachment files to delete once the transaction committed.
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Redactor:
    """Replaces one person's name, addresses and phone numbers in free text."""

    name: str
    emails: frozenset[str]
    phone_twins: frozenset[str]

    def text(self, value: str) -> str:
        if not value:
            return value
        value = _EMAILISH.sub(lambda m: REMOVED if m.group(0).lower().strip(".") in self.emails
                              else m.group(0), value)
        value = _PHONEISH.sub(self._phone, value)
        if len(self.name) >= 2:
            value = self._name_pattern().sub(REMOVED, value)
        return value

    def _name_pattern(self) -> re.Pattern[str]:
        # Whole words only for Latin names ("Ada" is not in "Canada"); Chinese is written
        # without spaces, so a Chinese name is matched wherever it appears.
        start = r"(?<!\w)" if self.name[0].isascii() else ""
        end = r"(?!\w)" if self.name[-1].isascii() else ""
        return re.compile(start + re.escape(self.name) + end, re.IGNORECASE)

    def _phone(self, match: re.Match[str]) -> str:
        try:
            twin = phone_twin_form(normalise_phone(match.group(0)))
        except InvalidContact:
            return match.group(0)
        return REMOVED if twin in self.phone_twins else match.group(0)

    def json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        return value


def anonymise_customer(session: Session, actor: Actor, customer: Customer,
                       attachments_dir: Path) -> Anonymised:
    """Anonymise the record as the module says. Raises CustomerError when it was already
    anonymised or merged away. Call ``remove_files(result.files)`` after committing."""
    assert customer.id is not None
    if customer.anonymised_at is not None:
        raise CustomerError("id", _("This customer was already anonymised."))
    if customer.merged_into_id is not None:
        raise CustomerError("id", _("This record was merged into another one."))
    redactor = _redactor_of(session, customer)
    connection = session.connection()
    ticket_ids = list(connection.execute(
        select(TICKETS.c.id).where(TICKETS.c.customer_id == customer.id)).scalars())
    merged_ids = list(connection.execute(
        select(CUSTOMERS.c.id).where(CUSTOMERS.c.merged_into_id == customer.id)).scalars())
    result = Anonymised()
    result.messages = _redact_messages(session, redactor, customer.id, ticket_ids)
    result.files, result.attachments = _delete_attachments(session, customer.id, attachments_dir)
    result.raw_mails = _empty_raw_mail(session, ticket_ids)
    result.form_requests = forget_failed_from(session, list(connection.execute(
        select(IDENTITIES.c.value).where(IDENTITIES.c.customer_id.in_([customer.id, *merged_ids]),
                                         IDENTITIES.c.kind == "email")).scalars()))
    _redact_tickets(session, redactor, customer.id, ticket_ids)
    audit_rows = _redact_audit(session, redactor, customer.id, [customer.id, *merged_ids],
                               ticket_ids)
    identities = _clear_record(session, customer, merged_ids)
    # The search index held the old words too: made again from the redacted text.
    reindex_tickets(session, [*ticket_ids, *connection.execute(select(MESSAGES.c.ticket_id).where(
        MESSAGES.c.author_customer_id == customer.id)).scalars()])
    record(session, actor, "customer", customer.id, "anonymised", {
        "identities": [identities, 1], "messages_redacted": [None, result.messages],
        "attachments_deleted": [None, result.attachments],
        "raw_mails_emptied": [None, result.raw_mails],
        "form_requests_deleted": [None, result.form_requests],
        # The one place Desk rewrites audit entries (erasure): how many, in an entry of its own.
        "audit_entries_redacted": [None, audit_rows]})
    return result


def privacy_export(session: Session, actor: Actor, customer: Customer) -> dict[str, Any]:
    """Everything Desk holds on the customer, as JSON-ready data (recorded in the audit)."""
    assert customer.id is not None
    org = session.get(Organization, customer.organization_id) if customer.organization_id else None
    owner = session.get(User, customer.owner_id) if customer.owner_id else None
    labels = {f.key: f.label for f in field_definitions(session)}
    data = {
        "exported_at": now().isoformat(),
        "customer": _plain(customer, ("id", "name", "email", "tier", "source", "locale",
                                      "reviewed_at", "anonymised_at", "created_at", "updated_at")),
        "identities": [_plain(i, ("kind", "value", "label", "created_at")) for i in session.exec(
            sqlmodel_select(CustomerIdentity).where(CustomerIdentity.customer_id == customer.id)
            .order_by(col(CustomerIdentity.id)))],
        "organization": _plain(org, ("id", "name", "domain")) if org else None,
        "owner": _plain(owner, ("name", "email")) if owner else None,
        "tags": tags_of(session, customer.id),
        "custom_fields": [{"key": k, "label": labels.get(k, k), "value": v}
                          for k, v in sorted(customer.fields.items())],
        "notes": [_plain(n, ("body", "author_id", "created_at")) for n in session.exec(
            sqlmodel_select(CustomerNote).where(CustomerNote.customer_id == customer.id)
            .order_by(col(CustomerNote.id)))],
        "tickets": _tickets(session, customer.id),
        "audit": [_plain(a, ("at", "actor_type", "actor_name", "action", "changes"))
                  for a in session.exec(sqlmodel_select(AuditEntry).where(
                      AuditEntry.entity == "customer", AuditEntry.entity_id == customer.id)
                      .order_by(col(AuditEntry.id)))],
        "merges": [_plain(m, ("survivor_id", "merged_id", "actor_name", "created_at", "undone_at"))
                   for m in session.exec(sqlmodel_select(CustomerMerge).where(or_(
                       col(CustomerMerge.survivor_id) == customer.id,
                       col(CustomerMerge.merged_id) == customer.id)).order_by(col(CustomerMerge.id)))],
    }
    record(session, actor, "customer", customer.id, "privacy_export")
    return data


def _tickets(session: Session, customer_id: int) -> list[dict[str, Any]]:
    tickets = list(session.exec(sqlmodel_select(Ticket).where(Ticket.customer_id == customer_id)
                                .order_by(col(Ticket.id))))
    ids = [t.id for t in tickets]
    messages = list(session.exec(sqlmodel_select(Message).where(col(Message.ticket_id).in_(ids))
                                 .order_by(col(Message.id)))) if ids else []
    files: dict[int, list[dict[str, Any]]] = {}
    if messages:
        for a in session.exec(sqlmodel_select(Attachment).where(
                col(Attachment.message_id).in_([m.id for m in messages])).order_by(col(Attachment.id))):
            files.setdefault(a.message_id, []).append(_plain(a, ("filename", "content_type", "size")))
    by_ticket: dict[int, list[dict[str, Any]]] = {}
    for m in messages:
        by_ticket.setdefault(m.ticket_id, []).append(
            {**_plain(m, ("direction", "text", "html", "created_at")),
             "attachments": files.get(m.id or 0, [])})
    return [{**_plain(t, ("id", "subject", "status", "channel", "created_at", "updated_at")),
             "messages": by_ticket.get(t.id or 0, [])} for t in tickets]


def _plain(obj: Any, names: Sequence[str]) -> dict[str, Any]:
    values = {name: getattr(obj, name) for name in names}
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def remove_files(paths: Iterable[Path]) -> None:
    """Delete attachment files whose rows are gone (a file already missing is fine)."""
    for path in paths:
        path.unlink(missing_ok=True)


def _redactor_of(session: Session, customer: Customer) -> Redactor:
    assert customer.id is not None
    rows = session.connection().execute(select(IDENTITIES.c.kind, IDENTITIES.c.value).where(
        IDENTITIES.c.customer_id == customer.id)).all()
    emails = {v.lower() for k, v in rows if k == IdentityKind.email} | {customer.email.lower()}
    phones = {phone_twin_form(v) for k, v in rows if k == IdentityKind.phone}
    return Redactor(customer.name.strip(), frozenset(emails), frozenset(phones))


def _redact_messages(session: Session, redactor: Redactor, customer_id: int,
                     ticket_ids: Sequence[int]) -> int:
    connection = session.connection()
    m = MESSAGES.c
    rows = connection.execute(select(m.id, m.text, m.html).where(or_(
        m.ticket_id.in_(ticket_ids), m.author_customer_id == customer_id))).all()
    changed = 0
    for row in rows:
        text, html = redactor.text(row.text), redactor.text(row.html)
        if (text, html) != (row.text, row.html):
            connection.execute(update(MESSAGES).where(m.id == row.id).values(text=text, html=html))
            changed += 1
    return changed


def _delete_attachments(session: Session, customer_id: int,
                        root: Path) -> tuple[list[Path], int]:
    connection = session.connection()
    theirs = select(MESSAGES.c.id).where(MESSAGES.c.author_customer_id == customer_id,
                                         MESSAGES.c.direction == Direction.inbound.value)
    rows = connection.execute(select(ATTACHMENTS).where(ATTACHMENTS.c.message_id.in_(theirs))).all()
    paths = attachment_files(root, [Attachment(**row._mapping) for row in rows])
    if rows:
        connection.execute(delete(ATTACHMENTS).where(ATTACHMENTS.c.id.in_([r.id for r in rows])))
    return paths, len(rows)


def _empty_raw_mail(session: Session, ticket_ids: Sequence[int]) -> int:
    if not ticket_ids:
        return 0
    emptied = list(session.connection().execute(
        update(RAW).where(RAW.c.ticket_id.in_(ticket_ids)).values(error="")
        .returning(RAW.c.id)).scalars())
    if emptied:
        session.connection().execute(
            update(RAW_BYTES).where(RAW_BYTES.c.raw_id.in_(emptied)).values(raw=b""))
    return len(emptied)


def _redact_tickets(session: Session, redactor: Redactor, customer_id: int,
                    ticket_ids: Sequence[int]) -> None:
    connection = session.connection()
    for row in connection.execute(select(TICKETS.c.id, TICKETS.c.subject).where(
            TICKETS.c.id.in_(ticket_ids))).all():
        subject = redactor.text(row.subject)
        if subject != row.subject:
            connection.execute(update(TICKETS).where(TICKETS.c.id == row.id).values(subject=subject))
    o = OUTBOX.c
    for mail in connection.execute(select(o.id, o.subject, o.body_text).where(
            o.ticket_id.in_(ticket_ids))).all():
        connection.execute(update(OUTBOX).where(o.id == mail.id).values(
            to_address=anonymised_email(customer_id), subject=redactor.text(mail.subject),
            body_text=redactor.text(mail.body_text), last_error=""))


def _redact_audit(session: Session, redactor: Redactor, customer_id: int,
                  customer_ids: Sequence[int], ticket_ids: Sequence[int]) -> int:
    """The customer's words taken out of the audit entries about them and their tickets,
    and their name and address out of the entries they wrote: the one deliberate exception to "no entry
    is ever edited" (erasure under GDPR). Returns how many entries were rewritten."""
    connection = session.connection()
    rewritten = 0
    a = AUDIT.c
    rows = connection.execute(select(a.id, a.changes).where(or_(
        (a.entity == "customer") & a.entity_id.in_(customer_ids),
        (a.entity == "ticket") & a.entity_id.in_(ticket_ids)))).all()
    for row in rows:
        changes = redactor.json(row.changes)
        if changes != row.changes:
            connection.execute(update(AUDIT).where(a.id == row.id).values(changes=changes))
            rewritten += 1
    # Their name and network address (personal data too) out of the entries they wrote.
    renamed = connection.execute(update(AUDIT).where(
        a.actor_type == "customer", a.actor_id == customer_id,
        or_(a.actor_name != anonymised_name(customer_id), a.address != ""))
        .values(actor_name=anonymised_name(customer_id), address="")).rowcount
    for row in connection.execute(select(MERGES.c.id, MERGES.c.moved).where(or_(
            MERGES.c.survivor_id == customer_id, MERGES.c.merged_id == customer_id))).all():
        connection.execute(update(MERGES).where(MERGES.c.id == row.id).values(
            moved=redactor.json(row.moved)))
    return rewritten + (renamed or 0)


def _clear_record(session: Session, customer: Customer, merged_ids: Sequence[int]) -> int:
    """Strip the record (and those merged into it) down to the placeholders; returns how many
    identities it had."""
    assert customer.id is not None
    connection = session.connection()
    ids = [customer.id, *merged_ids]
    identities = len(list(connection.execute(delete(IDENTITIES).where(
        IDENTITIES.c.customer_id.in_(ids)).returning(IDENTITIES.c.id)).scalars()))
    connection.execute(delete(CUSTOMER_TAGS).where(CUSTOMER_TAGS.c.customer_id.in_(ids)))
    connection.execute(delete(NOTES).where(NOTES.c.customer_id.in_(ids)))
    stamp = now()
    for merged_id in merged_ids:
        connection.execute(update(CUSTOMERS).where(CUSTOMERS.c.id == merged_id).values(
            name=anonymised_name(merged_id), fields={}, owner_id=None, anonymised_at=stamp))
    customer.name = anonymised_name(customer.id)
    customer.email = anonymised_email(customer.id)
    customer.fields = {}
    customer.owner_id = None
    customer.anonymised_at = stamp
    customer.updated_at = stamp
    session.add(customer)
    session.flush()
    insert_many(session, IDENTITIES, [identity_row(customer.id, IdentityKind.email, customer.email)])
    refresh_search_keys(session, ids)
    return identities
