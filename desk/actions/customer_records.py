"""Editing a customer record: validated, audited, its identities, tags, fields and search
keys kept in step, its owner told when contact details change.

``create_customer`` and ``update_customer`` take plain dicts of changes so the form, the API,
batch edits and the importer share one validation. Nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from desk.actions.audit import Actor, record
from desk.actions.inserts import insert_many
from desk.actions.tables import SEARCH_KEYS
from desk.contacts import (
    InvalidContact,
    email_twin_form,
    normalise_email,
    normalise_phone,
    phone_twin_form,
    search_keys,
)
from desk.i18n import _
from desk.models import (
    Customer,
    CustomerField,
    CustomerIdentity,
    CustomerTag,
    FieldKind,
    IdentityKind,
    Notification,
    Organization,
    Source,
    Tier,
    User,
)
from desk.models.base import now

EDITABLE = ("name", "emails", "phones", "web_ids", "api_ids", "organization_id", "tier",
            "owner_id", "tags", "fields", "locale")
# The identity lists of a change, by kind.
IDENTITY_LISTS = {"emails": IdentityKind.email, "phones": IdentityKind.phone,
                  "web_ids": IdentityKind.web, "api_ids": IdentityKind.api}
CONTACT_DETAILS = ("name", "emails", "phones")
LOCALES = ("en", "zh-CN")
MAX_TAGS = 30
MAX_TAG_LENGTH = 50
MAX_TEXT_FIELD = 2_000
MAX_IDENTITIES = 20
CONTACT_CHANGED = "customer_contact_changed"


class CustomerError(ValueError):
    """Input that cannot be saved: ``field`` names the input (``emails``, ``fields.plan``...),
    ``message`` is a msgid translated where it is shown, formatted with ``params`` after."""

    def __init__(self, field: str, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.field = field
        self.message = message
        self.params = params


# -- reading what a record holds -----------------------------------------------------------------

def identities_of(session: Session, customer_id: int) -> dict[str, list[str]]:
    """The record's identity values as lists keyed like a change (``emails``, ``phones``...),
    the primary email first."""
    customer = session.get(Customer, customer_id)
    rows = session.exec(select(CustomerIdentity).where(
        CustomerIdentity.customer_id == customer_id).order_by(col(CustomerIdentity.id)))
    lists: dict[str, list[str]] = {name: [] for name in IDENTITY_LISTS}
    kinds: dict[str, str] = {kind.value: name for name, kind in IDENTITY_LISTS.items()}
    for row in rows:
        lists[kinds[row.kind]].append(row.value)
    if customer is not None and customer.email in lists["emails"]:
        lists["emails"].remove(customer.email)
        lists["emails"].insert(0, customer.email)
    return lists


def tags_of(session: Session, customer_id: int) -> list[str]:
    return sorted(session.exec(select(CustomerTag.tag).where(CustomerTag.customer_id == customer_id)))


def field_definitions(session: Session) -> list[CustomerField]:
    return list(session.exec(select(CustomerField).order_by(
        col(CustomerField.position), col(CustomerField.id))))


# -- writing ---------------------------------------------------------------------------------------

def create_customer(session: Session, actor: Actor, values: Mapping[str, Any],
                    source: str = Source.web) -> Customer:
    """Validate and add a customer (flushed). ``values`` needs ``name`` and ``emails``.
    Raises CustomerError and adds nothing then."""
    if not values.get("emails"):
        raise CustomerError("emails", _("At least one email address is required."))
    if source not in {s.value for s in Source}:
        raise CustomerError("source", _("Unknown source."))
    clean = _validated(session, None, {"tier": Tier.standard, **values})
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
    return customer


def update_customer(session: Session, actor: Actor, customer: Customer,
                    changes: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Apply ``changes`` (a subset of EDITABLE; ``fields`` merges, a None value removes a
    field). Returns what changed as {name: [before, after]}; nothing when nothing did.
    Raises CustomerError and changes nothing then."""
    assert customer.id is not None
    if customer.merged_into_id is not None:
        raise CustomerError("id", _("This record was merged into another one."))
    clean = _validated(session, customer.id, changes)
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


# -- validation -------------------------------------------------------------------------------------

def _validated(session: Session, customer_id: int | None, changes: Mapping[str, Any]) -> dict[str, Any]:
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
    name = value.strip() if isinstance(value, str) else ""
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
