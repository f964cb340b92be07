"""Ticket custom fields: the fields admins add to every ticket (text, number, or a choice
among options; every one optional) and the check of the values people, integrations and
rules give them.

A ticket keeps its values as JSON by key (`Ticket.fields`). They change only through
`desk.actions.tickets.changes.update_ticket` with `changes["fields"]`: the keys given are set
(None clears one), the others stay, and each change lands in the ticket's history as
`fields.<key>`. Like customer fields, a field's key and kind never change once added, and
deleting a definition leaves the values on the tickets (shown again if the key comes back).
Rules read them as conditions `ticket_field:<key>` (and a customer's as
`customer_field:<key>`) and set them with the action `set_field`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from sqlmodel import Session, select

from desk.actions.audit import Actor, record
from desk.actions.customers.fields import KEY, FieldError, _choices, _label
from desk.db import committed
from desk.i18n import _
from desk.models import TicketField

KINDS = ("text", "number", "choice")
MAX_TEXT = 1000
Value = str | int | float | None


class Definition(Protocol):
    """What checking a value needs of a field (a TicketField, or a rule's FieldSpec)."""

    @property
    def kind(self) -> str: ...

    @property
    def choices(self) -> Sequence[str]: ...


def add_ticket_field(session: Session, actor: Actor, key: str, label: str, kind: str,
                     choices: list[str], position: int = 0) -> TicketField:
    """Validate, add and commit a definition. Raises FieldError, adding nothing then."""
    key = key.strip()
    if not KEY.match(key):
        raise FieldError("key", _("The key is a lower-case letter followed by up to 49 lower-case "
                                  "letters, digits or underscores."))
    if session.exec(select(TicketField.id).where(TicketField.key == key)).first() is not None:
        raise FieldError("key", _("There is already a field with the key %(key)s."), key=key)
    if kind not in KINDS:
        raise FieldError("kind", _("Choose text, number or choice."))
    with committed(session):
        field = TicketField(key=key, label=_label(label), kind=kind, choices=_choices(kind, choices),
                            position=position)
        session.add(field)
        session.flush()
        assert field.id is not None
        record(session, actor, "ticket_field", field.id, "created",
               {"key": [None, key], "label": [None, field.label], "kind": [None, kind],
                "choices": [None, field.choices], "position": [None, position]})
    return field


def update_ticket_field(session: Session, actor: Actor, field: TicketField, label: str,
                        choices: list[str], position: int) -> dict[str, list[Any]]:
    """Change and commit a definition's label, choices and position; what changed. Raises
    FieldError and changes nothing then."""
    assert field.id is not None
    wanted = {"label": _label(label), "choices": _choices(field.kind, choices), "position": position}
    diff = {k: [getattr(field, k), v] for k, v in wanted.items() if getattr(field, k) != v}
    if diff:
        with committed(session):
            for name, (_before, after) in diff.items():
                setattr(field, name, after)
            session.add(field)
            record(session, actor, "ticket_field", field.id, "updated", diff)
    return diff


def delete_ticket_field(session: Session, actor: Actor, field: TicketField) -> None:
    """Remove and commit a definition; the values stay on the tickets."""
    assert field.id is not None
    with committed(session):
        record(session, actor, "ticket_field", field.id, "deleted",
               {"key": [field.key, None], "label": [field.label, None]})
        session.delete(field)


def check_field_values(definitions: Sequence[TicketField],
                       raw: Any) -> tuple[dict[str, Value], dict[str, str]]:
    """(the values in their stored types, None for a cleared one; errors by `fields.<key>`:
    unknown_field, not_a_number, invalid_choice, too_long, invalid_value)."""
    if not isinstance(raw, Mapping):
        return {}, {"fields": "invalid_value"}
    known = {d.key: d for d in definitions}
    values: dict[str, Value] = {}
    errors: dict[str, str] = {}
    for key, value in raw.items():
        definition = known.get(key) if isinstance(key, str) else None
        if definition is None:
            errors[f"fields.{str(key)[:60]}"] = "unknown_field"
            continue
        checked, error = field_value(definition, value)
        if error:
            errors[f"fields.{key}"] = error
        else:
            values[key] = checked
    return values, errors


def field_value(definition: Definition, raw: Any) -> tuple[Value, str]:
    """(the value in its stored type, None when empty; an error code or "")."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, ""
    if definition.kind == "number":
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            return None, "not_a_number"
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            return None, "not_a_number"
        if not number.is_finite() or abs(number) >= 10**15:
            return None, "not_a_number"
        return (int(number) if number == number.to_integral_value() else float(number)), ""
    if not isinstance(raw, str):
        return None, "invalid_value"
    text = raw.strip()
    if definition.kind == "choice":
        return (text, "") if text in definition.choices else (None, "invalid_choice")
    return (text, "") if len(text) <= MAX_TEXT else (None, "too_long")


def merged_fields(current: Mapping[str, Any], changes: Mapping[str, Value]) -> dict[str, Any]:
    """The ticket's values after `changes` (None removes a key)."""
    out = {k: v for k, v in current.items() if k not in changes}
    out.update({k: v for k, v in changes.items() if v is not None})
    return out
