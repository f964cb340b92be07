"""Checking a change to a customer record before anything is written: the one set of rules
the form, the API, batch edits and the importer share. ``CustomerError`` names the input at
fault; nothing here writes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session, col, select

from desk.actions.ingest.cleaning import one_line
from desk.actions.input_errors import InputError
from desk.contacts import InvalidContact, normalise_email, normalise_phone
from desk.i18n import _
from desk.models import (
    Customer,
    CustomerField,
    CustomerIdentity,
    FieldKind,
    IdentityKind,
    Organization,
    Tier,
    User,
)
from desk.queries.customers.fields import field_definitions
from desk.queries.customers.profile import IDENTITY_LISTS

EDITABLE = ("name", "emails", "phones", "web_ids", "api_ids", "organization_id", "tier",
            "owner_id", "tags", "fields", "locale")
LOCALES = ("en", "zh-CN")
MAX_TAGS = 30
MAX_TAG_LENGTH = 50
MAX_TEXT_FIELD = 2_000
MAX_IDENTITIES = 20


class CustomerError(InputError):
    """A change to a customer record that cannot be saved: ``field`` names the input
    (``emails``, ``fields.plan``...)."""


# -- validation -------------------------------------------------------------------------------------

def validated(session: Session, customer_id: int | None, changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise CustomerError(unknown[0], _("Unknown field: %(name)s."), name=unknown[0])
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name in IDENTITY_LISTS:
            clean[name] = _identities(session, customer_id, name, value)
        else:
            clean[name] = _CHECKS[name](session, value)
    if "emails" in clean and not clean["emails"]:
        raise CustomerError("emails", _("At least one email address is required."))
    return clean


def _name(session: Session, value: Any) -> str:
    # As the intake cleans a sender's name: a CR/LF would forge a header of the mail it
    # goes out in, a NUL breaks storage and sending.
    name = one_line(value).strip() if isinstance(value, str) else ""
    if not name:
        raise CustomerError("name", _("A name is required."))
    if len(name) > 200:
        raise CustomerError("name", _("The name is too long (200 characters at most)."))
    return name


def _identities(session: Session, customer_id: int | None, name: str, value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise CustomerError(name, _("Give a list of values."))
    if len(value) > MAX_IDENTITIES:
        raise CustomerError(name, _("Too many values (20 at most)."))
    kind = IDENTITY_LISTS[name]
    values: list[str] = []
    for raw in value:
        if not raw.strip():
            continue
        try:
            if kind == IdentityKind.email:
                clean = normalise_email(raw)
            elif kind == IdentityKind.phone:
                clean = normalise_phone(raw)
            else:
                clean = raw.strip()[:320]
        except InvalidContact:
            message = (_("%(value)s is not a valid email address.") if kind == IdentityKind.email
                       else _("%(value)s is not a valid phone number."))
            raise CustomerError(name, message, value=raw) from None
        if clean not in values:
            values.append(clean)
    if values:
        taken = session.exec(select(CustomerIdentity.value, Customer.id, Customer.name).join(
            Customer, col(Customer.id) == col(CustomerIdentity.customer_id)).where(
            CustomerIdentity.kind == kind, col(CustomerIdentity.value).in_(values),
            col(CustomerIdentity.customer_id) != (customer_id or 0))).first()
        if taken is not None:
            raise CustomerError(name, _("%(value)s already belongs to %(name)s (customer #%(id)s)."),
                                value=taken[0], name=taken[2], id=str(taken[1]))
    return values


def _organization(session: Session, value: Any) -> int | None:
    if value is None or value == "":
        return None
    org_id = _whole(value)
    if org_id is None or session.get(Organization, org_id) is None:
        raise CustomerError("organization_id", _("No such organisation."))
    return org_id


def _tier(session: Session, value: Any) -> str:
    if value not in {t.value for t in Tier}:
        raise CustomerError("tier", _("Choose VIP, standard or prospect."))
    return str(value)


def _owner(session: Session, value: Any) -> int | None:
    if value is None or value == "":
        return None
    user_id = _whole(value)
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        raise CustomerError("owner_id", _("No such agent."))
    return user_id


def _tags(session: Session, value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise CustomerError("tags", _("Give a list of tags."))
    tags = sorted({t.strip().lower() for t in value if t.strip()})
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in tags):
        raise CustomerError("tags", _("Up to 30 tags of 50 characters each."))
    return tags


def _locale(session: Session, value: Any) -> str:
    if value not in LOCALES:
        raise CustomerError("locale", _("Choose English or Chinese."))
    return str(value)


def _fields(session: Session, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise CustomerError("fields", _("Give the fields as an object of names and values."))
    definitions = {f.key: f for f in field_definitions(session)}
    clean: dict[str, Any] = {}
    for key, raw in value.items():
        definition = definitions.get(key)
        if definition is None:
            raise CustomerError(f"fields.{key}", _("Unknown field: %(name)s."), name=str(key))
        clean[key] = field_value(definition, raw)
    return clean


def field_value(definition: CustomerField, raw: Any) -> str | int | float | None:
    """A custom field's value in its stored type (None: empty). Raises CustomerError."""
    where = f"fields.{definition.key}"
    if raw is None or raw == "":
        return None
    if definition.kind == FieldKind.number:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise CustomerError(where, _("%(label)s must be a number."), label=definition.label)
        try:
            number = Decimal(str(raw).strip())
        except InvalidOperation:
            raise CustomerError(where, _("%(label)s must be a number."), label=definition.label) from None
        if not number.is_finite():
            raise CustomerError(where, _("%(label)s must be a number."), label=definition.label)
        return int(number) if number == number.to_integral_value() else float(number)
    if not isinstance(raw, str):
        raise CustomerError(where, _("%(label)s must be text."), label=definition.label)
    text = raw.strip()
    if definition.kind == FieldKind.date:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise CustomerError(where, _("%(label)s must be a date like 2026-01-31."),
                                label=definition.label) from None
    if definition.kind == FieldKind.choice:
        if text not in definition.choices:
            raise CustomerError(where, _("%(label)s must be one of: %(choices)s."),
                                label=definition.label, choices=", ".join(definition.choices))
        return text
    if len(text) > MAX_TEXT_FIELD:
        raise CustomerError(where, _("%(label)s is too long."), label=definition.label)
    return text


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


_CHECKS = {"name": _name, "organization_id": _organization, "tier": _tier, "owner_id": _owner,
           "tags": _tags, "locale": _locale, "fields": _fields}
