"""What supervisors and admins change for the whole desk's customer data (organisations,
custom fields, the review policy), one agent's work handed to another, and privacy requests
(export, anonymisation). Each is a whole use case that commits once; on an input error it
rolls back and raises it. The pieces it composes (``organizations``, ``fields``, ``care``,
``privacy``) run in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlmodel import Session

from desk.actions.audit import Actor
from desk.actions.customers.care import CareError, Transfer, set_review_days, transfer_agent_work
from desk.actions.customers.fields import add_field, delete_field, update_field
from desk.actions.customers.organizations import (
    create_organization,
    update_organization,
)
from desk.actions.customers.privacy import Anonymised, anonymise_customer, privacy_export, remove_files
from desk.db import commit, committed
from desk.i18n import _
from desk.models import Customer, CustomerField, Organization, User


def save_new_organization(session: Session, actor: Actor, values: Mapping[str, Any]) -> Organization:
    """``create_organization``, committed. Raises OrganizationError."""
    with committed(session):
        org = create_organization(session, actor, values)
    return org


def save_organization_changes(session: Session, actor: Actor, org: Organization,
                              changes: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``update_organization``, committed. Raises OrganizationError."""
    with committed(session):
        diff = update_organization(session, actor, org, changes)
    return diff


def save_new_field(session: Session, actor: Actor, key: str, label: str, kind: str,
                   choices: list[str], position: int = 0) -> CustomerField:
    """``add_field``, committed. Raises FieldError."""
    with committed(session):
        field = add_field(session, actor, key, label, kind, choices, position)
    return field


def save_field_changes(session: Session, actor: Actor, field: CustomerField, label: str,
                       choices: list[str], position: int) -> dict[str, list[Any]]:
    """``update_field``, committed. Raises FieldError."""
    with committed(session):
        diff = update_field(session, actor, field, label, choices, position)
    return diff


def remove_field(session: Session, actor: Actor, field: CustomerField) -> None:
    """``delete_field``, committed (the values stay in the records)."""
    delete_field(session, actor, field)
    commit(session)


def save_review_policy(session: Session, actor: Actor,
                       days: Mapping[str, str | int]) -> dict[str, list[int | None]]:
    """``set_review_days``, committed. Raises CareError."""
    with committed(session):
        diff = set_review_days(session, actor, days)
    return diff


def save_transfer(session: Session, actor: Actor, from_id: int | None, to_id: int | None) -> Transfer:
    """``transfer_agent_work`` between the staff members of these ids, committed. Raises
    CareError when either is missing or the transfer is refused."""
    from_user = session.get(User, from_id) if from_id is not None else None
    to_user = session.get(User, to_id) if to_id is not None else None
    if from_user is None or to_user is None:
        raise CareError("from_id", _("Choose the agent who leaves and the one who takes over."))
    with committed(session):
        moved = transfer_agent_work(session, actor, from_user, to_user)
    return moved


def export_personal_data(session: Session, actor: Actor, customer: Customer) -> dict[str, Any]:
    """``privacy_export``, its audit row committed."""
    data = privacy_export(session, actor, customer)
    commit(session)
    return data


def erase_personal_data(session: Session, actor: Actor, customer: Customer,
                        attachments_dir: Path) -> Anonymised:
    """``anonymise_customer``, committed, then the attachment files it let go removed.
    Raises CustomerError."""
    with committed(session):
        done = anonymise_customer(session, actor, customer, attachments_dir)
    remove_files(done.files)
    return done
