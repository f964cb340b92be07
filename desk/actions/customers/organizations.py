"""Creating and editing organisations: validated, audited (entity "organization"), and their
members' search keys kept in step with the name (a member is found by the organisation's name).

Nothing here commits."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from desk.actions.audit import Actor, record
from desk.actions.customers.records import refresh_search_keys
from desk.actions.ingest.cleaning import one_line
from desk.actions.input_errors import InputError
from desk.i18n import _
from desk.models import Customer, Organization, Tier

EDITABLE = ("name", "domain", "tier", "auto_join", "portal_shared")
# Rewriting search keys holds every member's keys in memory: a big organisation goes in slices.
REFRESH_CHUNK = 1_000
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")


class OrganizationError(InputError):
    """An organisation that cannot be saved."""


def create_organization(session: Session, actor: Actor, values: Mapping[str, Any]) -> Organization:
    """Validate and add an organisation (flushed). Raises OrganizationError, adding nothing then."""
    clean = _validated(session, None, {"tier": Tier.standard, "auto_join": True, "domain": None,
                                       **values})
    if "name" not in clean:
        raise OrganizationError("name", _("A name is required."))
    org = Organization(**clean)
    session.add(org)
    session.flush()
    assert org.id is not None
    record(session, actor, "organization", org.id, "created", {k: [None, v] for k, v in clean.items()})
    return org


def update_organization(session: Session, actor: Actor, org: Organization,
                        changes: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Apply ``changes`` (a subset of EDITABLE); returns {name: [before, after]} of what
    changed. Raises OrganizationError and changes nothing then."""
    assert org.id is not None
    clean = _validated(session, org.id, changes)
    diff = {k: [getattr(org, k), v] for k, v in clean.items() if getattr(org, k) != v}
    if not diff:
        return {}
    for name, (_before, after) in diff.items():
        setattr(org, name, after)
    session.add(org)
    session.flush()
    if "name" in diff:
        refresh_member_keys(session, org.id)
    record(session, actor, "organization", org.id, "updated", diff)
    return diff


def refresh_member_keys(session: Session, org_id: int) -> None:
    """Rewrite the search keys of every member, a slice of REFRESH_CHUNK at a time."""
    last = 0
    while True:
        ids = list(session.exec(select(Customer.id).where(
            Customer.organization_id == org_id, col(Customer.id) > last,
            col(Customer.merged_into_id).is_(None)).order_by(col(Customer.id)).limit(REFRESH_CHUNK)))
        if not ids:
            return
        refresh_search_keys(session, [i for i in ids if i is not None])
        last = ids[-1] or last


def _validated(session: Session, org_id: int | None, changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise OrganizationError(unknown[0], _("Unknown field: %(name)s."), name=unknown[0])
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = _name(session, org_id, changes["name"])
    if "domain" in changes:
        clean["domain"] = _domain(session, org_id, changes["domain"])
    if "tier" in changes:
        if changes["tier"] not in {t.value for t in Tier}:
            raise OrganizationError("tier", _("Choose VIP, standard or prospect."))
        clean["tier"] = str(changes["tier"])
    for flag in ("auto_join", "portal_shared"):
        if flag in changes:
            if not isinstance(changes[flag], bool):
                raise OrganizationError(flag, _("Give true or false."))
            clean[flag] = changes[flag]
    return clean


def _name(session: Session, org_id: int | None, value: Any) -> str:
    name = one_line(value).strip() if isinstance(value, str) else ""  # no CR/LF, no NUL
    if not name:
        raise OrganizationError("name", _("A name is required."))
    if len(name) > 200:
        raise OrganizationError("name", _("The name is too long (200 characters at most)."))
    # Case-insensitively: "ACME" beside "Acme" would be the same organisation to a reader.
    taken = session.exec(select(Organization.id).where(
        func.lower(Organization.name) == name.lower(), col(Organization.id) != (org_id or 0))).first()
    if taken is not None:
        raise OrganizationError("name", _("There is already an organisation named %(name)s."), name=name)
    return name


def _domain(session: Session, org_id: int | None, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise OrganizationError("domain", _("%(value)s is not a domain name like example.com."),
                                value=str(value))
    domain = value.strip().lower().lstrip("@").rstrip(".")
    if not _HOSTNAME.match(domain):
        raise OrganizationError("domain", _("%(value)s is not a domain name like example.com."),
                                value=value.strip())
    # New customers join the organisation of their domain: two owners would make that a guess.
    taken = session.exec(select(Organization.name).where(
        Organization.domain == domain, col(Organization.id) != (org_id or 0))).first()
    if taken is not None:
        raise OrganizationError("domain", _("%(value)s is already the domain of %(name)s."),
                                value=domain, name=taken)
    return domain
