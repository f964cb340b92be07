"""Reads of the audit log: pages of entries, newest first, by keyset (the id), filtered by
who, object kind, object id, action, date range and words in the actor's name or the changes;
the same filter in chunks for exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, cast, or_
from sqlmodel import Session, col, select

from desk.models import AuditEntry

MAX_LIMIT = 200
EXPORT_CHUNK = 1000
ACTOR_TYPES = ("user", "api", "system", "customer", "visitor")
STAFF_ACTOR_TYPES = ("user", "api")


@dataclass(frozen=True)
class AuditFilter:
    actor_type: str = ""
    actor_id: int | None = None
    staff_id: int | None = None  # a staff member's entries, in the pages or by token
    entity: str = ""
    entity_id: int | None = None
    action: str = ""
    since: date | None = None  # from the start of this day (UTC)
    until: date | None = None  # to the end of this day (UTC)
    q: str = ""  # words in the actor's name or in the changes (any case)


@dataclass(frozen=True)
class AuditPage:
    items: list[AuditEntry]
    # The cursor of the next (older) page; None on the last one.
    next_cursor: int | None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _filtered(f: AuditFilter) -> Any:
    query = select(AuditEntry)
    if f.actor_type:
        query = query.where(AuditEntry.actor_type == f.actor_type)
    if f.actor_id is not None:
        query = query.where(AuditEntry.actor_id == f.actor_id)
    if f.staff_id is not None:
        query = query.where(AuditEntry.actor_id == f.staff_id,
                            col(AuditEntry.actor_type).in_(STAFF_ACTOR_TYPES))
    if f.entity:
        query = query.where(AuditEntry.entity == f.entity)
    if f.entity_id is not None:
        query = query.where(AuditEntry.entity_id == f.entity_id)
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.since is not None:
        query = query.where(col(AuditEntry.at) >= _start_of(f.since))
    if f.until is not None and f.until < date.max:
        query = query.where(col(AuditEntry.at) < _start_of(f.until + timedelta(days=1)))
    if f.q:
        query = query.where(_mentions(f.q))
    return query


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _mentions(q: str) -> Any:
    """The actor's name or the changes' JSON text holds ``q`` (any case). The JSON may keep
    non-ASCII text as \\u escapes, so the escaped spelling is looked for too."""
    changes = cast(AuditEntry.changes, String)  # type: ignore[arg-type]
    spellings = {q, json.dumps(q)[1:-1]}
    return or_(col(AuditEntry.actor_name).ilike(_like(q), escape="\\"),
               *(changes.ilike(_like(s), escape="\\") for s in spellings))


def list_audit(session: Session, f: AuditFilter, limit: int = 50,
               cursor: int | None = None) -> AuditPage:
    """Entries matching ``f``, newest first; ``cursor`` is a page's ``next_cursor``."""
    return _page(session, f, max(1, min(limit, MAX_LIMIT)), cursor)


def _page(session: Session, f: AuditFilter, limit: int, cursor: int | None) -> AuditPage:
    query = _filtered(f)
    if cursor is not None:
        query = query.where(col(AuditEntry.id) < cursor)
    rows = list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(rows, rows[-1].id if more and rows else None)


def audit_chunks(session: Session, f: AuditFilter) -> Iterator[list[AuditEntry]]:
    """Every entry matching ``f``, newest first, a chunk at a time (an export)."""
    cursor: int | None = None
    while True:
        page = _page(session, f, EXPORT_CHUNK, cursor)
        if page.items:
            yield page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
