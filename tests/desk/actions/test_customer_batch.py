"""Batch edits: every changed record gets its own history row; bad input changes nothing."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from desk.actions.audit import SYSTEM, Actor
from desk.actions.customers import batch as customer_batch
from desk.actions.customers.batch import BatchChanges, batch_update
from desk.actions.customers.organizations import create_organization
from desk.actions.customers.records import CustomerError, create_customer, tags_of
from desk.actions.users import create_user
from desk.db import commit
from desk.models import AuditEntry, Customer, Notification
from desk.queries.customers.records import CustomerFilter, list_customers


def _customers(session: Session, n: int, **values: object) -> list[int]:
    ids = []
    for i in range(n):
        customer = create_customer(session, SYSTEM, {"name": f"Person {i}",
                                                     "emails": [f"p{i}@example.com"], **values})
        assert customer.id is not None
        ids.append(customer.id)
    commit(session)
    return ids


def _history(session: Session, customer_id: int) -> list[dict[str, list[object]]]:
    return [a.changes for a in session.exec(select(AuditEntry).where(
        AuditEntry.entity == "customer", AuditEntry.entity_id == customer_id,
        AuditEntry.action == "updated").order_by(col(AuditEntry.id)))]


def test_batch_sets_tier_and_owner_and_adds_tags_with_one_history_row_per_changed_record(
        session: Session) -> None:
    owner = create_user(session, SYSTEM, "owner@desk.test", "Olga Owner", "agent", "pw-123456789")
    ids = _customers(session, 3, tags=["old"])
    already_vip = create_customer(session, SYSTEM, {"name": "Vera", "emails": ["v@example.com"],
                                                    "tier": "vip", "tags": ["old", "renewal"]})
    commit(session)
    actor = Actor("user", owner.id, owner.name)

    changed = batch_update(session, actor, [*ids, already_vip.id, 999_999],  # type: ignore[list-item]
                           BatchChanges(tier="vip", add_tags=("Renewal",), remove_tags=("old",),
                                        owner_id=owner.id))

    assert changed == 4
    record = session.get(Customer, ids[0])
    session.refresh(record)  # type: ignore[arg-type]
    assert (record.tier, record.owner_id) == ("vip", owner.id)  # type: ignore[union-attr]
    assert tags_of(session, ids[0]) == ["renewal"]
    assert _history(session, ids[0]) == [{"tier": ["standard", "vip"], "owner_id": [None, owner.id],
                                          "tags": [["old"], ["renewal"]]}]
    assert _history(session, already_vip.id) == [  # type: ignore[arg-type]
        {"owner_id": [None, owner.id], "tags": [["old", "renewal"], ["renewal"]]}]
    # Nothing about contact details changed: the owner gets no notices.
    assert session.exec(select(Notification)).all() == []


def test_batch_that_changes_nothing_writes_no_history(session: Session) -> None:
    ids = _customers(session, 2, tier="prospect")
    assert batch_update(session, SYSTEM, ids, BatchChanges(tier="prospect", remove_tags=("x",))) == 0
    assert all(_history(session, i) == [] for i in ids)


def test_bad_owner_tier_or_organisation_is_refused_and_nothing_changes(session: Session) -> None:
    ids = _customers(session, 2)
    for changes, field in ((BatchChanges(tier="vip", owner_id=424242), "owner_id"),
                           (BatchChanges(tier="gold"), "tier"),
                           (BatchChanges(tier="vip", organization_id=77), "organization_id")):
        with pytest.raises(CustomerError) as error:
            batch_update(session, SYSTEM, ids, changes)
        assert error.value.field == field
        session.rollback()
    assert [c.tier for c in session.exec(select(Customer))] == ["standard", "standard"]
    assert all(_history(session, i) == [] for i in ids)


def test_moving_to_an_organisation_makes_records_findable_by_its_name_and_clearing_undoes_it(
        session: Session) -> None:
    org = create_organization(session, SYSTEM, {"name": "Zenith 天顶"})
    ids = _customers(session, 2)

    assert batch_update(session, SYSTEM, ids, BatchChanges(organization_id=org.id)) == 2
    found = list_customers(session, CustomerFilter(q="天顶")).customers
    assert sorted(c.id for c in found) == ids  # type: ignore[type-var]

    assert batch_update(session, SYSTEM, ids, BatchChanges(clear_organization=True)) == 2
    assert list_customers(session, CustomerFilter(q="zenith")).customers == []
    assert _history(session, ids[0])[-1] == {"organization_id": [org.id, None]}


def test_large_batch_is_written_in_chunks_each_record_with_its_row(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(customer_batch, "CHUNK", 4)
    ids = _customers(session, 10)
    assert batch_update(session, SYSTEM, ids, BatchChanges(add_tags=("bulk",))) == 10
    assert all(_history(session, i) == [{"tags": [[], ["bulk"]]}] for i in ids)


def test_adding_tags_beyond_the_limit_is_refused_for_the_whole_batch(session: Session) -> None:
    full = create_customer(session, SYSTEM, {"name": "Full", "emails": ["full@example.com"],
                                             "tags": [f"t{i}" for i in range(30)]})
    ids = [*_customers(session, 1), full.id]
    with pytest.raises(CustomerError):
        batch_update(session, SYSTEM, ids, BatchChanges(add_tags=("one-more",)))  # type: ignore[arg-type]
    session.rollback()
    assert tags_of(session, ids[0]) == []  # type: ignore[arg-type]
