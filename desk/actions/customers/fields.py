"""The custom fields admins add to every customer record: add, relabel, reorder, delete.

A field's key and kind never change once added: stored values are typed by them. Deleting a
definition leaves the values in the records (they are no longer shown or editable; a field
added again with the same key shows them again). Nothing here commits."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from desk.actions.audit import Actor, record
from desk.actions.input_errors import InputError
from desk.i18n import _
from desk.models import CustomerField, FieldKind

KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_CHOICES = 100
MAX_CHOICE_LENGTH = 100


class FieldError(InputError):
    """A custom field definition that cannot be saved."""


def add_field(session: Session, actor: Actor, key: str, label: str, kind: str,
              choices: list[str], position: int = 0) -> CustomerField:
    """Validate and add a field definition (flushed). Raises FieldError, adding nothing then."""
    key = key.strip()
    if not KEY.match(key):
        raise FieldError("key", _("The key is a lower-case letter followed by up to 49 lower-case "
                                  "letters, digits or underscores."))
    if session.exec(select(CustomerField.id).where(CustomerField.key == key)).first() is not None:
        raise FieldError("key", _("There is already a field with the key %(key)s."), key=key)
    if kind not in {k.value for k in FieldKind}:
        raise FieldError("kind", _("Choose text, number, date or choice."))
    field = CustomerField(key=key, label=_label(label), kind=kind, choices=_choices(kind, choices),
                          position=position)
    session.add(field)
    session.flush()
    assert field.id is not None
    record(session, actor, "customer_field", field.id, "created",
           {"key": [None, key], "label": [None, field.label], "kind": [None, kind],
            "choices": [None, field.choices], "position": [None, position]})
    return field


def update_field(session: Session, actor: Actor, field: CustomerField, label: str,
                 choices: list[str], position: int) -> dict[str, list[Any]]:
    """Change a definition's label, choices and position; returns what changed.
    Raises FieldError and changes nothing then."""
    assert field.id is not None
    wanted = {"label": _label(label), "choices": _choices(field.kind, choices), "position": position}
    diff = {k: [getattr(field, k), v] for k, v in wanted.items() if getattr(field, k) != v}
    if not diff:
        return {}
    for name, (_before, after) in diff.items():
        setattr(field, name, after)
    session.add(field)
    session.flush()
    record(session, actor, "customer_field", field.id, "updated", diff)
    return diff


def delete_field(session: Session, actor: Actor, field: CustomerField) -> None:
    """Remove a definition; the values stay in the records."""
    assert field.id is not None
    record(session, actor, "customer_field", field.id, "deleted",
           {"key": [field.key, None], "label": [field.label, None]})
    session.delete(field)
    session.flush()


def _label(value: str) -> str:
    label = value.strip()
    if not label:
        raise FieldError("label", _("A label is required."))
    if len(label) > 100:
        raise FieldError("label", _("The label is too long (100 characters at most)."))
    return label


def _choices(kind: str, values: list[str]) -> list[str]:
    if kind != FieldKind.choice:
        return []
    choices: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in choices:
            choices.append(value)
    if not choices:
        raise FieldError("choices", _("A choice field needs at least one choice (one per line)."))
    if len(choices) > MAX_CHOICES or any(len(c) > MAX_CHOICE_LENGTH for c in choices):
        raise FieldError("choices", _("Up to 100 choices of 100 characters each."))
    return choices
