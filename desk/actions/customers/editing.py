"""An agent's work on customer records (creating and changing one, a note, a review, a merge
and its undo, an export of the list, their notifications read), each a whole use case that
commits once; on an input error it rolls back and raises it. The pieces it composes
(``records``, ``notes``, ``care``, ``merge``) run in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.actions.customers.care import mark_notifications_read, mark_reviewed
from desk.actions.customers.merge import merge_customers, undo_merge
from desk.actions.customers.notes import add_note
from desk.actions.customers.records import create_customer, update_customer
from desk.db import commit, committed
from desk.models import Customer, CustomerMerge, CustomerNote, Source


def save_new_customer(session: Session, actor: Actor, values: Mapping[str, Any],
                      source: str = Source.web) -> Customer:
    """``create_customer``, committed. Raises CustomerError."""
    with committed(session):
        customer = create_customer(session, actor, values, source)
    return customer


def save_customer_changes(session: Session, actor: Actor, customer: Customer,
                          changes: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``update_customer``, committed. Raises CustomerError."""
    with committed(session):
        diff = update_customer(session, actor, customer, changes)
    return diff


def save_note(session: Session, actor: Actor, customer: Customer, body: str) -> CustomerNote:
    """``add_note``, committed. Raises CustomerError."""
    with committed(session):
        note = add_note(session, actor, customer, body)
    return note


def save_review(session: Session, actor: Actor, customer: Customer) -> None:
    """The record reviewed now (``mark_reviewed``), committed."""
    mark_reviewed(session, actor, customer)
    commit(session)


def save_merge(session: Session, actor: Actor, survivor: Customer, other: Customer) -> CustomerMerge:
    """``other`` merged into ``survivor`` (``merge_customers``), committed. Raises CustomerError."""
    with committed(session):
        merge = merge_customers(session, actor, survivor, other)
    return merge


def save_merge_undo(session: Session, actor: Actor, merge: CustomerMerge) -> None:
    """``undo_merge``, committed. Raises CustomerError."""
    with committed(session):
        undo_merge(session, actor, merge)


def record_export(session: Session, actor: Actor, filters: Mapping[str, str]) -> None:
    """The audit row of ``actor`` exporting the records these list filters select, committed
    (the rows themselves are read by desk.queries.customers.records.export_chunks)."""
    record(session, actor, "customer_export", 0, "exported", {"filter": dict(filters)})
    commit(session)


def save_notifications_read(session: Session, user_id: int) -> None:
    """Every unread notification of the user read now, committed."""
    mark_notifications_read(session, user_id)
    commit(session)
