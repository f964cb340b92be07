"""Duplicate suggestions, the merge confirm page, merging and undoing from the browser."""

from __future__ import annotations

from sqlmodel import Session, select
from starlette.testclient import TestClient

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.customers.records import create_customer
from desk.actions.ingest.one import ingest_one
from desk.db import commit
from desk.models import Customer, CustomerMerge, Organization, Ticket
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in


def _customer(session: Session, name: str, emails: list[str], phones: list[str] | None = None,
              org: int | None = None) -> int:
    customer = create_customer(session, SYSTEM, {"name": name, "emails": emails, "phones": phones or [],
                                                 "organization_id": org})
    commit(session)
    assert customer.id is not None
    return customer.id


def _org(session: Session, name: str) -> int:
    org = Organization(name=name)
    session.add(org)
    commit(session)
    assert org.id is not None
    return org.id


def _rows(html: str, attribute: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split(f'{attribute}="')[1:]]


def test_suggestions_find_the_same_mailbox_written_differently(
        client: TestClient, make_user, session: Session) -> None:  # type: ignore[no-untyped-def]
    ann = _customer(session, "Ann Lee", ["Ann.Lee+shop@gmail.com"])
    twin = _customer(session, "A. Lee", ["annlee@gmail.com"])
    _customer(session, "Someone Else", ["annlee@example.com"])
    sign_in(client, make_user("agent"))
    page = client.get(f"/agent/customers/{ann}/duplicates")
    assert page.status_code == 200
    assert _rows(page.text, "data-customer") == [str(twin)]
    assert "Same email address" in page.text


def test_suggestions_find_a_phone_number_with_and_without_country_code(
        client: TestClient, make_user, session: Session) -> None:  # type: ignore[no-untyped-def]
    wang = _customer(session, "王小明", ["xm@example.cn"], ["+86 138 0013 8000"])
    twin = _customer(session, "Wang", ["wang@home.cn"], ["13800138000"])
    sign_in(client, make_user("agent"))
    page = client.get(f"/agent/customers/{twin}/duplicates")
    assert _rows(page.text, "data-customer") == [str(wang)]
    assert "Same phone number" in page.text


def test_suggestions_find_the_same_name_in_the_same_organisation_only(
        client: TestClient, make_user, session: Session) -> None:  # type: ignore[no-untyped-def]
    acme, globex = _org(session, "Acme"), _org(session, "Globex")
    bob = _customer(session, "Bob Stone", ["bob@acme.example"], org=acme)
    same_org = _customer(session, " bob stone ", ["robert@acme.example"], org=acme)
    _customer(session, "Bob Stone", ["bob@globex.example"], org=globex)
    sign_in(client, make_user("agent"))
    page = client.get(f"/agent/customers/{bob}/duplicates")
    assert _rows(page.text, "data-customer") == [str(same_org)]
    assert "Same name in the same organisation" in page.text


def test_desk_wide_list_pairs_records_sharing_contact_details_or_name_and_organisation(
        client: TestClient, make_user, session: Session) -> None:  # type: ignore[no-untyped-def]
    acme = _org(session, "Acme")
    a = _customer(session, "Ann Lee", ["Ann.Lee+shop@gmail.com"])
    b = _customer(session, "A. Lee", ["annlee@gmail.com"])
    c = _customer(session, "Bob Stone", ["bob@acme.example"], org=acme)
    d = _customer(session, "Bob Stone", ["robert@acme.example"], org=acme)
    _customer(session, "Alone", ["alone@example.com"], org=acme)
    sign_in(client, make_user("agent"))
    page = client.get("/agent/customers/duplicates")
    assert sorted(_rows(page.text, "data-pair")) == sorted([f"{a}-{b}", f"{c}-{d}"])
    assert f'href="/agent/customers/{a}/merge?other={b}"' in page.text


def test_confirm_page_shows_both_records_and_keeps_the_one_with_more_tickets(
        client: TestClient, make_user, session: Session, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    older = _customer(session, "Ann Lee", ["ann@example.com"], ["+44 20 7946 0000"])
    newer = _customer(session, "Ann Lee", ["ann.lee@home.example"])
    ingest_one(session, settings, InboundMessage(
        "web", Identity("email", "ann.lee@home.example", ""), "Invoice", "Hi"))
    commit(session)
    sign_in(client, make_user("agent"))
    page = client.get(f"/agent/customers/{older}/merge?other={newer}")
    assert page.status_code == 200
    assert "+442079460000" in page.text and "ann.lee@home.example" in page.text
    assert f'value="{newer}" checked' in page.text


def test_merge_moves_the_tickets_and_lands_on_the_survivor_then_undo_brings_them_back(
        client: TestClient, make_user, session: Session, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    ann = _customer(session, "Ann Lee", ["ann@example.com"])
    other = _customer(session, "Ann Lee", ["ann.lee@home.example"])
    ticket = ingest_one(session, settings, InboundMessage(
        "web", Identity("email", "ann.lee@home.example", ""), "Invoice", "Hi")).ticket_id
    commit(session)
    sign_in(client, make_user("agent"))
    token = csrf_of(client, f"/agent/customers/{ann}/merge?other={other}")
    response = client.post(f"/agent/customers/{ann}/merge", data={
        "csrf_token": token, "other_id": str(other), "survivor": str(ann)}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/agent/customers/{ann}"
    session.expire_all()
    assert session.get(Ticket, ticket).customer_id == ann  # type: ignore[union-attr]
    assert session.get(Customer, other).merged_into_id == ann  # type: ignore[union-attr]
    history = client.get(f"/agent/customers/{ann}/duplicates")
    (merge_id,) = _rows(history.text, "data-merge")
    response = client.post(f"/agent/customers/merges/{merge_id}/undo", data={"csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Ticket, ticket).customer_id == other  # type: ignore[union-attr]
    assert session.get(Customer, other).merged_into_id is None  # type: ignore[union-attr]
    again = client.post(f"/agent/customers/merges/{merge_id}/undo", data={"csrf_token": token})
    assert again.status_code == 400
    assert "already undone" in again.text


def test_merging_a_record_into_itself_shows_the_error_and_changes_nothing(
        client: TestClient, make_user, session: Session) -> None:  # type: ignore[no-untyped-def]
    ann = _customer(session, "Ann Lee", ["ann@example.com"])
    sign_in(client, make_user("agent"))
    token = csrf_of(client, f"/agent/customers/{ann}/duplicates")
    response = client.post(f"/agent/customers/{ann}/merge", data={
        "csrf_token": token, "other_id": str(ann), "survivor": str(ann)})
    assert response.status_code == 400
    assert "cannot be merged into itself" in response.text
    assert session.exec(select(CustomerMerge)).first() is None


def test_merge_without_the_form_token_is_refused(
        client: TestClient, make_user, session: Session) -> None:  # type: ignore[no-untyped-def]
    ann = _customer(session, "Ann Lee", ["ann@example.com"])
    other = _customer(session, "Ann Lee", ["ann.lee@home.example"])
    sign_in(client, make_user("agent"))
    response = client.post(f"/agent/customers/{ann}/merge", data={
        "other_id": str(other), "survivor": str(ann)})
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Customer, other).merged_into_id is None  # type: ignore[union-attr]


def test_undo_without_the_form_token_is_refused(
        client: TestClient, make_user, session: Session) -> None:  # type: ignore[no-untyped-def]
    ann = _customer(session, "Ann Lee", ["ann@example.com"])
    other = _customer(session, "Ann Lee", ["ann.lee@home.example"])
    sign_in(client, make_user("agent"))
    token = csrf_of(client, f"/agent/customers/{ann}/duplicates")
    client.post(f"/agent/customers/{ann}/merge", data={
        "csrf_token": token, "other_id": str(other), "survivor": str(ann)})
    merge = session.exec(select(CustomerMerge)).one()
    response = client.post(f"/agent/customers/merges/{merge.id}/undo", data={})
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Customer, other).merged_into_id == ann  # type: ignore[union-attr]


def test_merge_pages_need_a_signed_in_staff_member(client: TestClient, session: Session) -> None:
    ann = _customer(session, "Ann Lee", ["ann@example.com"])
    response = client.get(f"/agent/customers/{ann}/duplicates", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert "/agent/login" in response.headers["location"]
