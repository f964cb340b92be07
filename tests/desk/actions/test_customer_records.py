"""Editing customer records: identities owned once, typed fields, audit and search keys."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from desk.actions.audit import SYSTEM, Actor
from desk.actions.customers.identities import Contact, identify_senders
from desk.actions.customers.records import (
    CustomerError,
    create_customer,
    identities_of,
    tags_of,
    update_customer,
)
from desk.db import commit
from desk.models import AuditEntry, CustomerField, CustomerSearchKey, Notification


def _keys(session: Session, customer_id: int) -> set[str]:
    return set(session.exec(select(CustomerSearchKey.key).where(
        CustomerSearchKey.customer_id == customer_id)))


def test_second_address_receives_mail_on_the_same_record(session: Session) -> None:
    customer = create_customer(session, SYSTEM, {"name": "王小明", "emails": ["xm@example.cn"]})
    update_customer(session, SYSTEM, customer, {"emails": ["xm@example.cn", "Wang@Home.CN"],
                                                "phones": ["+86 138 0013 8000"]})
    commit(session)
    (sender,) = identify_senders(session, SYSTEM, [Contact("wang@home.cn", "W", "email")])
    assert sender.id == customer.id
    assert identities_of(session, customer.id)["phones"] == ["+8613800138000"]  # type: ignore[arg-type]
    assert {"小明", "wang", "13800138000"} <= _keys(session, customer.id)  # type: ignore[arg-type]


def test_email_owned_by_another_customer_is_refused_and_nothing_changes(session: Session) -> None:
    ann = create_customer(session, SYSTEM, {"name": "Ann", "emails": ["ann@example.com"]})
    bob = create_customer(session, SYSTEM, {"name": "Bob", "emails": ["bob@example.com"]})
    commit(session)
    with pytest.raises(CustomerError) as error:
        update_customer(session, SYSTEM, bob, {"name": "Robert", "emails": ["bob@example.com",
                                                                            "ANN@example.com"]})
    assert error.value.field == "emails"
    assert "Ann" in str(error.value)
    session.rollback()
    assert session.get(type(bob), bob.id).name == "Bob"  # type: ignore[union-attr]
    assert identities_of(session, bob.id)["emails"] == ["bob@example.com"]  # type: ignore[arg-type]
    assert ann.id is not None


def test_field_of_wrong_type_is_refused(session: Session) -> None:
    session.add(CustomerField(key="seats", label="Seats", kind="number"))
    session.add(CustomerField(key="plan", label="Plan", kind="choice", choices=["basic", "pro"]))
    customer = create_customer(session, SYSTEM, {"name": "Ann", "emails": ["ann@example.com"]})
    with pytest.raises(CustomerError) as error:
        update_customer(session, SYSTEM, customer, {"fields": {"seats": "many"}})
    assert error.value.field == "fields.seats"
    with pytest.raises(CustomerError):
        update_customer(session, SYSTEM, customer, {"fields": {"plan": "gold"}})
    update_customer(session, SYSTEM, customer, {"fields": {"seats": "12", "plan": "pro"}})
    assert customer.fields == {"seats": 12, "plan": "pro"}
    update_customer(session, SYSTEM, customer, {"fields": {"plan": ""}})
    assert customer.fields == {"seats": 12}


def test_changes_are_audited_and_owner_told_of_new_contact_details(session: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    owner = make_user()
    colleague = make_user()
    customer = create_customer(session, SYSTEM, {"name": "Ann", "emails": ["ann@example.com"],
                                                 "owner_id": owner.id, "tags": ["Beta", "beta "]})
    assert tags_of(session, customer.id) == ["beta"]  # type: ignore[arg-type]
    diff = update_customer(session, Actor.of_user(colleague), customer, {"phones": ["010-1234-5678"]})
    commit(session)
    assert diff == {"phones": [[], ["01012345678"]]}
    entries = session.exec(select(AuditEntry).where(AuditEntry.entity == "customer",
                                                    AuditEntry.entity_id == customer.id)
                           .order_by(col(AuditEntry.id))).all()
    assert [e.action for e in entries] == ["created", "updated"]
    assert entries[1].actor_id == colleague.id
    notes = session.exec(select(Notification).where(Notification.user_id == owner.id)).all()
    assert [(n.customer_id, n.kind) for n in notes] == [(customer.id, "customer_contact_changed")]
    # The owner's own change does not notify them.
    update_customer(session, Actor.of_user(owner), customer, {"name": "Ann Lee"})
    assert len(session.exec(select(Notification).where(Notification.user_id == owner.id)).all()) == 1


def test_search_finds_partial_chinese_email_phone_and_organisation(session: Session) -> None:
    from desk.models import Organization
    from desk.queries.customers.records import CustomerFilter, list_customers

    org = Organization(name="Acme Trading 贸易", domain="acme.cn")
    session.add(org)
    session.flush()
    wang = create_customer(session, SYSTEM, {"name": "王小明", "emails": ["xm@acme.cn"],
                                             "phones": ["+86 138 0013 8000"], "organization_id": org.id})
    lee = create_customer(session, SYSTEM, {"name": "Anna Lee", "emails": ["anna.lee@example.com"],
                                            "tier": "vip"})
    for i in range(30):
        create_customer(session, SYSTEM, {"name": f"Anna Other {i}", "emails": [f"a{i}@x.com"]})
    commit(session)

    def found(q: str, **filters: object) -> list[int | None]:
        return [c.id for c in list_customers(session, CustomerFilter(q=q, **filters)).customers]  # type: ignore[arg-type]

    assert found("小明") == [wang.id]
    assert found("王") == [wang.id]
    assert found("1380013") == [wang.id]
    assert found("acme") == [wang.id]
    assert found("贸易") == [wang.id]
    assert found("anna.lee@ex") == [lee.id]
    assert found("lee ann") == [lee.id]
    assert found("ann", tier="vip") == [lee.id]
    page = list_customers(session, CustomerFilter(q="anna", page_size=20))
    assert len(page.customers) == 20 and page.has_next
    second = list_customers(session, CustomerFilter(q="anna", page_size=20, page=2))
    assert len(second.customers) == 11 and not second.has_next
    assert not {c.id for c in page.customers} & {c.id for c in second.customers}
