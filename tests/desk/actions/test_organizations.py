"""Organisations: unique names, valid domains, audited changes, member search keys, auto-join."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from desk.actions.audit import SYSTEM
from desk.actions.customers import organizations
from desk.actions.customers.identities import Contact, identify_senders
from desk.actions.customers.organizations import OrganizationError, create_organization, update_organization
from desk.actions.customers.records import create_customer
from desk.db import commit
from desk.models import AuditEntry, Customer, CustomerSearchKey


def _keys(session: Session, customer_id: int) -> set[str]:
    return set(session.exec(select(CustomerSearchKey.key).where(
        CustomerSearchKey.customer_id == customer_id)))


def test_new_sender_joins_the_organisation_of_their_domain_when_auto_join_is_on(session: Session) -> None:
    acme = create_organization(session, SYSTEM, {"name": "Acme", "domain": "ACME.example",
                                                 "tier": "vip", "auto_join": True})
    create_organization(session, SYSTEM, {"name": "Closed Ltd", "domain": "closed.example",
                                          "auto_join": False})
    commit(session)
    joined, alone = identify_senders(session, SYSTEM, [Contact("ann@acme.example", "Ann", "email"),
                                                       Contact("bob@closed.example", "Bob", "email")])
    ann, bob = session.get(Customer, joined.id), session.get(Customer, alone.id)
    assert ann is not None and ann.organization_id == acme.id and ann.tier == "vip"
    assert bob is not None and bob.organization_id is None


def test_turning_auto_join_off_stops_new_senders_joining(session: Session) -> None:
    acme = create_organization(session, SYSTEM, {"name": "Acme", "domain": "acme.example"})
    update_organization(session, SYSTEM, acme, {"auto_join": False})
    commit(session)
    (sender,) = identify_senders(session, SYSTEM, [Contact("cy@acme.example", "Cy", "email")])
    customer = session.get(Customer, sender.id)
    assert customer is not None and customer.organization_id is None


def test_name_taken_in_any_case_is_refused(session: Session) -> None:
    create_organization(session, SYSTEM, {"name": "Acme"})
    with pytest.raises(OrganizationError) as caught:
        create_organization(session, SYSTEM, {"name": " ACME "})
    assert caught.value.field == "name"


@pytest.mark.parametrize("domain", ["not a domain", "acme", "http://acme.example", "-x.example"])
def test_invalid_domain_is_refused(session: Session, domain: str) -> None:
    with pytest.raises(OrganizationError) as caught:
        create_organization(session, SYSTEM, {"name": "Acme", "domain": domain})
    assert caught.value.field == "domain"


def test_domain_of_another_organisation_is_refused_naming_it(session: Session) -> None:
    create_organization(session, SYSTEM, {"name": "Acme", "domain": "acme.example"})
    other = create_organization(session, SYSTEM, {"name": "Other"})
    with pytest.raises(OrganizationError) as caught:
        update_organization(session, SYSTEM, other, {"domain": "@Acme.example"})
    assert caught.value.params["name"] == "Acme"
    assert other.domain is None


def test_rename_refreshes_every_members_search_keys_in_slices(session: Session,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(organizations, "REFRESH_CHUNK", 2)
    org = create_organization(session, SYSTEM, {"name": "Acme"})
    members = [create_customer(session, SYSTEM, {"name": f"M{i}", "emails": [f"m{i}@x.example"],
                                                 "organization_id": org.id}) for i in range(5)]
    assert all("acme" in _keys(session, m.id or 0) for m in members)
    diff = update_organization(session, SYSTEM, org, {"name": "Globex Corp"})
    commit(session)
    assert diff == {"name": ["Acme", "Globex Corp"]}
    for member in members:
        keys = _keys(session, member.id or 0)
        assert "globex" in keys and "acme" not in keys
    actions = session.exec(select(AuditEntry.action).where(
        AuditEntry.entity == "organization", AuditEntry.entity_id == org.id)).all()
    assert actions == ["created", "updated"]
