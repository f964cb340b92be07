"""The stale-save notice of the ticket page: what a form saw (its hidden fields), and what
changed since, for a save that was refused because the ticket moved on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from desk.actions.tickets.collisions import Seen
from desk.models import AuditEntry, Ticket
from desk.queries.tickets.links import changes_since
from desk.queries.tickets.messages import ConversationItem
from desk.queries.tickets.queue import ticket_tags


def _count(value: Any) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    return None


def seen_of(form: Any) -> Seen | None:
    """What the page saw when it was opened; None for a form without it (no check)."""
    version = _count(form.get("version"))
    if version is None:
        return None
    return Seen(version, _count(form.get("seen_message")) or 0)


@dataclass
class Conflict:
    """Why a save was not applied: the fields where the agent's input differs from what is
    stored now (field, yours, now), and the history entries and messages since the page."""

    kind: str  # "properties" or "reply"
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)
    entries: list[AuditEntry] = field(default_factory=list)
    messages: list[ConversationItem] = field(default_factory=list)


def conflict_of(session: Session, ticket: Ticket, form: Any, kind: str,
                wanted: dict[str, Any] | None = None, tags: list[str] | None = None) -> Conflict:
    """The notice for a refused save of ``kind``; ``wanted``/``tags``: the agent's input."""
    assert ticket.id is not None
    since = changes_since(session, ticket.id, _count(form.get("seen_entry")) or 0,
                          _count(form.get("seen_message")) or 0)
    fields = [(name, value, getattr(ticket, name)) for name, value in (wanted or {}).items()
              if getattr(ticket, name) != value]
    if tags is not None and sorted(tags) != (now := sorted(ticket_tags(session, ticket.id))):
        fields.append(("tags", sorted(tags), now))
    return Conflict(kind, fields, since.entries, since.messages)
