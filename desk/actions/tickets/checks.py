"""Validate ticket changes from people and integrations before applying them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from desk.actions.ingest.cleaning import one_line
from desk.actions.tickets.fields import check_field_values
from desk.models import Priority, Status, Team, User
from desk.queries.tickets.fields import ticket_field_definitions

TAG_RE = re.compile(r"^[\w\-.:]{1,50}$", re.UNICODE)


@dataclass
class CheckedChanges:
    fields: dict[str, Any] = field(default_factory=dict)
    tags: list[str] | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _optional_id(value: Any) -> int | None | str:
    """An id, None for 'nobody', or the string 'bad'."""
    if value is None or value == "" or value == "none":
        return None
    if isinstance(value, bool):
        return "bad"
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    # Ids are 32-bit columns: PostgreSQL refuses to compare with anything larger.
    if isinstance(value, int) and 0 < value < 2**31:
        return value
    return "bad"


def parse_tags(raw: Any) -> list[str] | None:
    if isinstance(raw, str):
        raw = [t for t in re.split(r"[,\s]+", raw) if t]
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        return None
    tags = sorted({t.strip().lower() for t in raw if t.strip()})
    return tags if all(TAG_RE.match(t) for t in tags) else None


def check_ticket_changes(session: Session, raw: dict[str, Any]) -> CheckedChanges:
    """Every key of ``raw`` that names a field is checked; unknown keys are errors."""
    out = CheckedChanges()
    for key, value in raw.items():
        if key == "status":
            if not isinstance(value, str) or value not in {s.value for s in Status}:
                out.errors[key] = "invalid_choice"
            else:
                out.fields[key] = value
        elif key == "priority":
            if not isinstance(value, str) or value not in {p.value for p in Priority}:
                out.errors[key] = "invalid_choice"
            else:
                out.fields[key] = value
        elif key == "subject":
            if not isinstance(value, str) or not value.strip():
                out.errors[key] = "required"
            elif len(value) > 300:
                out.errors[key] = "too_long"
            else:
                out.fields[key] = one_line(value)
        elif key in ("team_id", "assignee_id"):
            ident = _optional_id(value)
            model: type[Team] | type[User] = Team if key == "team_id" else User
            if ident == "bad" or (ident is not None and session.get(model, ident) is None):
                out.errors[key] = "not_found"
            else:
                out.fields[key] = ident
        elif key == "fields":  # custom fields: {key: value, ...}, None or "" clearing one
            values, errors = check_field_values(ticket_field_definitions(session), value)
            out.errors.update(errors)
            if values and not errors:
                out.fields["fields"] = values
        elif key == "tags":
            tags = parse_tags(value)
            if tags is None:
                out.errors[key] = "invalid_tags"
            else:
                out.tags = tags
        else:
            out.errors[key] = "unknown_field"
    return out
