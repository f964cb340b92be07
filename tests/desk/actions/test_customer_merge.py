"""Merging customer records and undoing it: everything moves, and comes back exactly."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.customers.identities import Contact, identify_senders
from desk.actions.customers.merge import merge_customers, undo_merge
from desk.actions.customers.notes import add_note
from desk.actions.customers.records import (
    CustomerError,
    create_customer,
    identities_of,
    tags_of,
    update_customer,
)
from desk.actions.ingest.one import ingest_one
from desk.db import commit
from desk.models import AuditEntry, Customer, CustomerField, CustomerNote, Message, Ticket
from desk.queries.customers.records import CustomerFilter, list_customers
from desk.settings import Settings


def _ticket(session: Session, settings: Settings, email: str, subject: str) -> int:
    return ingest_one(session, settings, InboundMessage(
        "web", Identity("email", email, ""), subject, "Hello")).ticket_id


def _tickets_of(session: Session, customer_id: int) -> list[int]:
    return sorted(session.exec(select(Ticket.id).where(Ticket.customer_id == customer_id)))  # type: ignore[arg-type]


def _notes_of(session: Session, customer_id: int) -> list[str]:
    return sorted(session.exec(select(CustomerNote.body).where(CustomerNote.customer_id == customer_id)))


def _found(session: Session, query: str) -> list[int | None]:
    return [c.id for c in list_customers(session, CustomerFilter(q=query)).customers]


@pytest.fixture
def pair(session: Session, settings: Settings) -> tuple[Customer, Customer]:
    """Ann (older, VIP-less) and Ann's second record, each with tickets, notes, tags, fields."""
    session.add(CustomerField(key="plan", label="Plan", kind="text"))
    session.add(CustomerField(key="city", label="City", kind="text"))
    session.flush()
    ann = create_customer(session, SYSTEM, {
        "name": "Ann Lee", "emails": ["ann@example.com"], "phones": ["+44 20 7946 0000"],
        "tags": ["newsletter"], "fields": {"plan": "pro"}, "tier": "standard"})
    other = create_customer(session, SYSTEM, {
        "name": "Ann Lee", "emails": ["ann.lee@home.example", "al@work.example"],
        "tags": ["billing", "newsletter"], "fields": {"plan": "basic", "city": "Leeds"}, "tier": "vip"})
    _ticket(session, settings, "ann@example.com", "Printer")
    _ticket(session, settings, "ann.lee@home.example", "Invoice")
    _ticket(session, settings, "al@work.example", "Refund")
    add_note(session, SYSTEM, ann, "Prefers phone")
    add_note(session, SYSTEM, other, "Called twice")
    commit(session)
    return ann, other


def test_merge_moves_tickets_identities_notes_tags_and_missing_fields_to_the_survivor(
        session: Session, pair: tuple[Customer, Customer]) -> None:
    ann, other = pair
    assert ann.id is not None and other.id is not None
    other_tickets = _tickets_of(session, other.id)
    merge = merge_customers(session, SYSTEM, ann, other)
    commit(session)
    assert _tickets_of(session, other.id) == []
    assert set(other_tickets) < set(_tickets_of(session, ann.id))
    assert len(_tickets_of(session, ann.id)) == 3
    messages = session.exec(select(Message.author_customer_id).where(
        col(Message.ticket_id).in_(other_tickets)))
    assert set(messages) == {ann.id}
    assert identities_of(session, ann.id)["emails"] == [
        "ann@example.com", "ann.lee@home.example", "al@work.example"]
    assert _notes_of(session, ann.id) == ["Called twice", "Prefers phone"]
    assert tags_of(session, ann.id) == ["billing", "newsletter"]
    assert ann.fields == {"plan": "pro", "city": "Leeds"}  # its own plan is kept
    assert ann.tier == "vip"
    assert other.merged_into_id == ann.id and other.email == f"merged-{other.id}@merged.invalid"
    assert _found(session, "ann.lee@home.example") == [ann.id]
    assert merge.moved["email"] == "ann.lee@home.example"
    ticket_audit = session.exec(select(AuditEntry).where(
        AuditEntry.entity == "ticket", AuditEntry.action == "customer_changed")).all()
    assert sorted(a.entity_id for a in ticket_audit) == other_tickets
    assert {a.entity_id for a in session.exec(select(AuditEntry).where(
        col(AuditEntry.action).in_(["merged", "merged_into"])))} == {ann.id, other.id}


def test_mail_from_the_merged_address_lands_on_the_survivor(
        session: Session, pair: tuple[Customer, Customer]) -> None:
    ann, other = pair
    merge_customers(session, SYSTEM, ann, other)
    commit(session)
    (sender,) = identify_senders(session, SYSTEM, [Contact("al@work.example", "Al", "email")])
    assert sender.id == ann.id


def test_merge_and_undo_with_tickets_on_both_sides_restores_both_records(
        session: Session, settings: Settings, pair: tuple[Customer, Customer]) -> None:
    ann, other = pair
    assert ann.id is not None and other.id is not None
    before = {c.id: (_tickets_of(session, c.id), identities_of(session, c.id), tags_of(session, c.id),
                     dict(c.fields), c.tier, c.email, _notes_of(session, c.id)) for c in (ann, other)}
    merge = merge_customers(session, SYSTEM, ann, other)
    commit(session)
    later = _ticket(session, settings, "al@work.example", "After the merge")
    commit(session)
    undo_merge(session, SYSTEM, merge)
    commit(session)
    session.refresh(ann)
    session.refresh(other)
    assert other.merged_into_id is None and merge.undone_at is not None
    after = {c.id: (_tickets_of(session, c.id), identities_of(session, c.id), tags_of(session, c.id),
                    dict(c.fields), c.tier, c.email, _notes_of(session, c.id)) for c in (ann, other)}
    # The ticket opened after the merge stays with the survivor.
    before[ann.id][0].append(later)
    assert after == before
    assert _found(session, "ann.lee@home.example") == [other.id]
    assert set(_found(session, "ann lee")) == {ann.id, other.id}


def test_merging_a_record_into_itself_is_refused_and_nothing_changes(
        session: Session, pair: tuple[Customer, Customer]) -> None:
    ann, _ = pair
    assert ann.id is not None
    tickets = _tickets_of(session, ann.id)
    with pytest.raises(CustomerError) as error:
        merge_customers(session, SYSTEM, ann, ann)
    assert error.value.field == "other_id"
    session.rollback()
    assert _tickets_of(session, ann.id) == tickets
    assert session.get(Customer, ann.id).merged_into_id is None  # type: ignore[union-attr]


def test_merging_an_already_merged_record_is_refused(
        session: Session, pair: tuple[Customer, Customer]) -> None:
    ann, other = pair
    third = create_customer(session, SYSTEM, {"name": "Third", "emails": ["third@example.com"]})
    merge_customers(session, SYSTEM, ann, other)
    commit(session)
    with pytest.raises(CustomerError) as error:
        merge_customers(session, SYSTEM, third, other)
    assert error.value.field == "other_id"


def test_undoing_a_merge_twice_is_refused(session: Session, pair: tuple[Customer, Customer]) -> None:
    ann, other = pair
    merge = merge_customers(session, SYSTEM, ann, other)
    undo_merge(session, SYSTEM, merge)
    commit(session)
    with pytest.raises(CustomerError) as error:
        undo_merge(session, SYSTEM, merge)
    assert error.value.field == "merge"


def test_undo_is_refused_while_the_survivor_is_merged_into_a_third_record(
        session: Session, pair: tuple[Customer, Customer]) -> None:
    ann, other = pair
    third = create_customer(session, SYSTEM, {"name": "Third", "emails": ["third@example.com"]})
    first = merge_customers(session, SYSTEM, ann, other)
    merge_customers(session, SYSTEM, third, ann)
    with pytest.raises(CustomerError) as error:
        undo_merge(session, SYSTEM, first)
    assert error.value.field == "merge"


def test_undo_gives_back_an_address_the_survivor_made_primary_since(
        session: Session, pair: tuple[Customer, Customer]) -> None:
    ann, other = pair
    merge = merge_customers(session, SYSTEM, ann, other)
    update_customer(session, SYSTEM, ann, {"emails": [
        "ann.lee@home.example", "ann@example.com", "al@work.example"]})
    commit(session)
    undo_merge(session, SYSTEM, merge)
    commit(session)
    assert ann.email == "ann@example.com"
    assert other.email == "ann.lee@home.example"
