"""Batch edits of customer records: tier, tags, organisation or owner on many records at once.

Each changed record gets its own audit row ("customer", id, "updated", {field: [before, after]}),
the same row ``update_customer`` writes, so a record's history reads the same whether it was
edited alone or in a batch. A batch never touches names, emails or phones, so no owner is
notified (the rule of ``update_customer``). The writes are set-based per chunk rather than one
``update_customer`` per record: a batch over a whole filter may cover tens of thousands of rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlmodel import Session

from desk.actions.audit import Actor, audit_row
from desk.actions.customers.records import MAX_TAG_LENGTH, MAX_TAGS, CustomerError, refresh_search_keys
from desk.actions.inserts import insert_many
from desk.db import commit
from desk.i18n import _
from desk.models import Organization, Tier, User
from desk.models.base import now
from desk.models.tables import AUDIT, CUSTOMER_TAGS, CUSTOMERS

CHUNK = 1_000


@dataclass(frozen=True)
class BatchChanges:
    """What to do to every record; ``None`` leaves an attribute alone. The ``clear_`` flags
    empty the organisation or owner (``organization_id``/``owner_id`` are then ignored)."""

    tier: str | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    organization_id: int | None = None
    clear_organization: bool = False
    owner_id: int | None = None
    clear_owner: bool = False

    @property
    def sets_organization(self) -> bool:
        return self.clear_organization or self.organization_id is not None

    @property
    def sets_owner(self) -> bool:
        return self.clear_owner or self.owner_id is not None

    @property
    def is_empty(self) -> bool:
        return (self.tier is None and not self.add_tags and not self.remove_tags
                and not self.sets_organization and not self.sets_owner)


def check_batch(session: Session, changes: BatchChanges) -> BatchChanges:
    """The changes with tags normalised; raises CustomerError (same messages as a single edit)
    for an unknown tier, organisation or owner, or bad tags."""
    if changes.tier is not None and changes.tier not in {t.value for t in Tier}:
        raise CustomerError("tier", _("Choose VIP, standard or prospect."))
    if (not changes.clear_organization and changes.organization_id is not None
            and session.get(Organization, changes.organization_id) is None):
        raise CustomerError("organization_id", _("No such organisation."))
    if not changes.clear_owner and changes.owner_id is not None:
        owner = session.get(User, changes.owner_id)
        if owner is None or not owner.is_active:
            raise CustomerError("owner_id", _("No such agent."))
    add, remove = _tags(changes.add_tags), _tags(changes.remove_tags)
    return replace(changes, add_tags=add, remove_tags=tuple(t for t in remove if t not in add))


def batch_update(session: Session, actor: Actor, customer_ids: Sequence[int],
                 changes: BatchChanges) -> int:
    """Apply ``changes`` to the live records among ``customer_ids``; returns how many changed.
    Validates first (CustomerError, nothing changed), then commits after every CHUNK records,
    so a long batch holds no lock for long."""
    clean = check_batch(session, changes)
    ids = sorted(set(customer_ids))
    if clean.is_empty or not ids:
        return 0
    if clean.add_tags:
        _check_tag_room(session, ids, clean.add_tags)
    changed = 0
    for start in range(0, len(ids), CHUNK):
        changed += _apply(session, actor, ids[start:start + CHUNK], clean)
        commit(session)
    return changed


def _tags(raw: Sequence[str]) -> tuple[str, ...]:
    tags = sorted({t.strip().lower() for t in raw if t.strip()})
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in tags):
        raise CustomerError("tags", _("Up to 30 tags of 50 characters each."))
    return tuple(tags)


def _check_tag_room(session: Session, ids: list[int], add: tuple[str, ...]) -> None:
    """Refuse the whole batch when a record would end up with more than MAX_TAGS tags."""
    t = CUSTOMER_TAGS.c
    for start in range(0, len(ids), CHUNK):
        crowded = session.connection().execute(
            select(t.customer_id).where(t.customer_id.in_(ids[start:start + CHUNK]),
                                        t.tag.not_in(add))
            .group_by(t.customer_id).having(func.count() + len(add) > MAX_TAGS).limit(1)).first()
        if crowded is not None:
            raise CustomerError("tags", _("Up to 30 tags of 50 characters each."))


def _apply(session: Session, actor: Actor, ids: list[int], changes: BatchChanges) -> int:
    """One chunk: read the records' current values, write what differs, one audit row each."""
    c, t = CUSTOMERS.c, CUSTOMER_TAGS.c
    connection = session.connection()
    rows = connection.execute(select(c.id, c.tier, c.organization_id, c.owner_id).where(
        c.id.in_(ids), c.merged_into_id.is_(None))).all()
    tags: dict[int, set[str]] = {row.id: set() for row in rows}
    if changes.add_tags or changes.remove_tags:
        for customer_id, tag in connection.execute(select(t.customer_id, t.tag).where(
                t.customer_id.in_(list(tags)))):
            tags[customer_id].add(tag)
    wanted: dict[str, Any] = {}
    if changes.tier is not None:
        wanted["tier"] = changes.tier
    if changes.sets_organization:
        wanted["organization_id"] = None if changes.clear_organization else changes.organization_id
    if changes.sets_owner:
        wanted["owner_id"] = None if changes.clear_owner else changes.owner_id
    audits: list[dict[str, Any]] = []
    moved_org: list[int] = []
    for row in rows:
        diff = {name: [getattr(row, name), value] for name, value in wanted.items()
                if getattr(row, name) != value}
        before = tags[row.id]
        after = (before | set(changes.add_tags)) - set(changes.remove_tags)
        if after != before:
            diff["tags"] = [sorted(before), sorted(after)]
        if diff:
            audits.append(audit_row(actor, "customer", row.id, "updated", diff))
            if "organization_id" in diff:
                moved_org.append(row.id)
    changed_ids = [a["entity_id"] for a in audits]
    if not changed_ids:
        return 0
    # Attributes a record already had are written again with the same value: one statement.
    connection.execute(update(CUSTOMERS).where(c.id.in_(changed_ids)).values(**wanted, updated_at=now()))
    if changes.remove_tags:
        connection.execute(delete(CUSTOMER_TAGS).where(
            t.customer_id.in_(changed_ids), t.tag.in_(changes.remove_tags)))
    insert_many(session, CUSTOMER_TAGS, [dict(customer_id=i, tag=tag) for i in changed_ids
                                         for tag in changes.add_tags if tag not in tags[i]])
    # The organisation's name is one of a record's search keys.
    refresh_search_keys(session, moved_org)
    insert_many(session, AUDIT, audits)
    return len(changed_ids)
