"""Customers and organisations over the API: search, create, change, merge; refusals change
nothing and say why; every answer matches openapi.json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.customers.organizations import create_organization
from desk.actions.customers.records import create_customer
from desk.db import Database, commit
from desk.models import AuditEntry, Customer, CustomerField, User
from desk.web.api.customers import LIST_PARAMS
from desk.web.api.openapi import DOCUMENT

from .schema_check import conforms

Headers = dict[str, str]
CUSTOMERS = "/api/v1/customers"


@pytest.fixture
def agent(make_user: Callable[..., User], auth: Callable[[User], Headers]) -> Headers:
    return auth(make_user("agent"))


@pytest.fixture
def customer(db: Database) -> Callable[..., int]:
    """A customer made by the real action; returns its id."""
    def make(name: str, *emails: str, **values: Any) -> int:
        with db.session() as s:
            made = create_customer(s, SYSTEM, {"name": name, "emails": list(emails), **values})
            commit(s)
            assert made.id is not None
            return made.id
    return make


def _count(db: Database) -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(Customer)).one()


def test_search_finds_part_of_a_chinese_name_and_a_phone_fragment(
    client: TestClient, agent: Headers, customer: Callable[..., int]
) -> None:
    wang = customer("王小明", "xm@example.cn", phones=["+86 138 0013 8000"], tags=["vip-club"])
    other = customer("Ada Lovelace", "ada@example.com")
    by_name = conforms("/customers", "get", client.get(CUSTOMERS, params={"q": "小明"},
                                                         headers=agent))
    assert [c["id"] for c in by_name["customers"]] == [wang]
    assert by_name["customers"][0]["tags"] == ["vip-club"] and by_name["has_next"] is False
    by_phone = conforms("/customers", "get", client.get(CUSTOMERS, params={"q": "1380013"},
                                                          headers=agent))
    assert [c["id"] for c in by_phone["customers"]] == [wang]
    everyone = client.get(CUSTOMERS, params={"sort": "name", "per_page": "1"}, headers=agent).json()
    assert [c["id"] for c in everyone["customers"]] == [other] and everyone["has_next"] is True


def test_bad_query_parameters_are_422_with_a_reason_each(client: TestClient, agent: Headers) -> None:
    response = client.get(CUSTOMERS, params={"tier": "gold", "sort": "size", "owner_id": "me",
                                             "page": "0", "colour": "red"}, headers=agent)
    assert response.status_code == 422
    assert conforms("/customers", "get", response)["fields"] == {
        "tier": "invalid_choice", "sort": "invalid_choice", "owner_id": "invalid_id",
        "page": "out_of_range", "colour": "unknown_parameter"}


def test_create_returns_the_record_with_source_api(client: TestClient, agent: Headers,
                                                   db: Database) -> None:
    response = client.post(CUSTOMERS, json={"name": "李雷", "email": "LiLei@Example.cn",
                                            "phones": ["138 0000 1111"], "tags": ["B2B"]},
                           headers=agent)
    assert response.status_code == 201
    body = conforms("/customers", "post", response)
    assert body["email"] == "lilei@example.cn" and body["emails"] == ["lilei@example.cn"]
    assert body["source"] == "api" and body["tier"] == "standard" and body["tags"] == ["b2b"]
    assert body["ticket_count"] == 0 and body["organization"] is None
    assert response.headers["location"].endswith(f"{CUSTOMERS}/{body['id']}")
    assert conforms("/customers/{customer_id}", "get",
                    client.get(f"{CUSTOMERS}/{body['id']}", headers=agent)) == body


def test_an_email_of_another_customer_is_409_naming_them_and_nothing_is_created(
    client: TestClient, agent: Headers, customer: Callable[..., int], db: Database
) -> None:
    ann = customer("Ann", "ann@example.com")
    before = _count(db)
    response = client.post(CUSTOMERS, json={"name": "Annie", "emails": ["x@example.com",
                                                                        "ANN@example.com"]},
                           headers=agent)
    assert response.status_code == 409
    body = conforms("/customers", "post", response)
    assert body["customer_id"] == ann and "Ann" in body["fields"]["emails"]
    assert _count(db) == before


def test_invalid_bodies_are_422_naming_the_field(client: TestClient, agent: Headers) -> None:
    for payload, field in (({"email": "a@example.com"}, "name"),
                           ({"name": "A"}, "emails"),
                           ({"name": "A", "email": "not-an-address"}, "emails"),
                           ({"name": "A", "email": "a@example.com", "tier": ["vip"]}, "tier"),
                           ({"name": "A", "email": "a@example.com", "colour": "red"}, "colour"),
                           ({"name": "A", "email": "a@example.com", "owner_id": True}, "owner_id")):
        response = client.post(CUSTOMERS, json=payload, headers=agent)
        assert response.status_code == 422, payload
        assert field in conforms("/customers", "post", response)["fields"], payload


def test_a_field_value_of_the_wrong_type_is_422_and_nothing_changes(
    client: TestClient, agent: Headers, customer: Callable[..., int], db: Database
) -> None:
    with db.session() as s:
        s.add(CustomerField(key="seats", label="Seats", kind="number"))
        commit(s)
    ann = customer("Ann", "ann@example.com")
    response = client.patch(f"{CUSTOMERS}/{ann}", headers=agent,
                            json={"name": "Annabel", "fields": {"seats": "many"}})
    assert response.status_code == 422
    assert conforms("/customers/{customer_id}", "patch", response)["fields"] == {
        "fields.seats": "Seats must be a number."}
    after = client.get(f"{CUSTOMERS}/{ann}", headers=agent).json()
    assert after["name"] == "Ann" and after["fields"] == {}
    fixed = client.patch(f"{CUSTOMERS}/{ann}", headers=agent, json={"fields": {"seats": "12"}})
    assert conforms("/customers/{customer_id}", "patch", fixed)["fields"] == {"seats": 12}


def test_patching_tags_and_tier_is_audited_as_the_api(
    client: TestClient, make_user: Callable[..., User], auth: Callable[[User], Headers],
    customer: Callable[..., int], db: Database, make_ticket: Callable[..., int],
) -> None:
    user = make_user("agent", name="Api Agent")
    ann = customer("Ann", "ann@example.com")
    make_ticket(email="ann@example.com")
    response = client.patch(f"{CUSTOMERS}/{ann}", headers=auth(user),
                            json={"tags": ["Renewal", "churn-risk"], "tier": "vip"})
    body = conforms("/customers/{customer_id}", "patch", response)
    assert body["tags"] == ["churn-risk", "renewal"] and body["tier"] == "vip"
    assert body["ticket_count"] == 1 and body["open_ticket_count"] == 1
    with db.session() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.entity == "customer",
                                                AuditEntry.entity_id == ann,
                                                AuditEntry.action == "updated")).one()
    assert (entry.actor_type, entry.actor_id) == ("api", user.id)
    assert entry.changes["tier"] == ["standard", "vip"]
    unknown = client.patch(f"{CUSTOMERS}/{ann}", headers=auth(user), json={"source": "web"})
    assert conforms("/customers/{customer_id}", "patch", unknown)["fields"] == {
        "source": "unknown_field"}


def test_merging_a_record_into_itself_is_refused(client: TestClient, agent: Headers,
                                                 customer: Callable[..., int]) -> None:
    ann = customer("Ann", "ann@example.com")
    response = client.post(f"{CUSTOMERS}/{ann}/merge", json={"other_id": ann}, headers=agent)
    assert response.status_code == 422
    assert "itself" in conforms("/customers/{customer_id}/merge", "post", response)["fields"][
        "other_id"]
    missing = client.post(f"{CUSTOMERS}/{ann}/merge", json={"other_id": 99999}, headers=agent)
    assert conforms("/customers/{customer_id}/merge", "post", missing)["fields"] == {
        "other_id": "not_found"}
    assert client.get(f"{CUSTOMERS}/{ann}", headers=agent).status_code == 200


def test_merge_moves_the_record_and_its_old_id_says_where_it_went(
    client: TestClient, agent: Headers, customer: Callable[..., int],
    make_ticket: Callable[..., int],
) -> None:
    ann = customer("Ann", "ann@example.com")
    dup = customer("Ann W", "ann.w@example.com", phones=["+44 20 7946 0000"])
    make_ticket(email="ann.w@example.com")
    response = client.post(f"{CUSTOMERS}/{ann}/merge", json={"other_id": dup}, headers=agent)
    merged = conforms("/customers/{customer_id}/merge", "post", response)
    assert merged["customer"]["emails"] == ["ann@example.com", "ann.w@example.com"]
    assert merged["customer"]["ticket_count"] == 1
    gone = client.get(f"{CUSTOMERS}/{dup}", headers=agent)
    assert gone.status_code == 404
    assert conforms("/customers/{customer_id}", "get", gone)["merged_into"] == ann
    again = client.post(f"{CUSTOMERS}/{ann}/merge", json={"other_id": dup}, headers=agent)
    assert again.status_code == 409
    assert conforms("/customers/{customer_id}/merge", "post", again)["merged_into"] == ann
    assert client.get(CUSTOMERS, params={"q": "ann.w@example.com"},
                      headers=agent).json()["customers"][0]["id"] == ann
    undo = f"{CUSTOMERS}/merges/{merged['merge_id']}/undo"
    undone = conforms("/customers/merges/{merge_id}/undo", "post", client.post(undo, headers=agent))
    assert undone["restored"]["id"] == dup and undone["restored"]["ticket_count"] == 1
    assert undone["customer"]["emails"] == ["ann@example.com"]
    twice = client.post(undo, headers=agent)
    assert twice.status_code == 409
    conforms("/customers/merges/{merge_id}/undo", "post", twice)


def test_unknown_customers_and_merges_are_404(client: TestClient, agent: Headers) -> None:
    for path, method, url in (("/customers/{customer_id}", "get", f"{CUSTOMERS}/424242"),
                              ("/customers/{customer_id}", "patch", f"{CUSTOMERS}/424242"),
                              ("/customers/{customer_id}/merge", "post",
                               f"{CUSTOMERS}/99999999999/merge"),
                              ("/customers/merges/{merge_id}/undo", "post",
                               f"{CUSTOMERS}/merges/7/undo")):
        response = client.request(method, url, json={"other_id": 1}, headers=agent)
        assert response.status_code == 404, url
        conforms(path, method, response)


def test_organizations_are_listed_with_their_member_counts(
    client: TestClient, agent: Headers, customer: Callable[..., int], db: Database
) -> None:
    with db.session() as s:
        acme = create_organization(s, SYSTEM, {"name": "Acme 公司", "domain": "acme.example",
                                               "tier": "vip"})
        create_organization(s, SYSTEM, {"name": "Globex", "domain": "globex.example"})
        commit(s)
    customer("Wile", "wile@example.com", organization_id=acme.id)
    customer("Road Runner", "rr@example.com", organization_id=acme.id)
    everything = conforms("/organizations", "get", client.get("/api/v1/organizations",
                                                              headers=agent))
    assert [o["name"] for o in everything["organizations"]] == ["Acme 公司", "Globex"]
    found = client.get("/api/v1/organizations", params={"q": "ACME.EX"}, headers=agent).json()
    assert found["organizations"] == [{"id": acme.id, "name": "Acme 公司",
                                       "domain": "acme.example", "tier": "vip", "auto_join": True,
                                       "portal_shared": False, "member_count": 2,
                                       "open_ticket_count": 0}]
    bad = client.get("/api/v1/organizations", params={"per_page": "1000"}, headers=agent)
    assert conforms("/organizations", "get", bad)["fields"] == {"per_page": "out_of_range"}


def test_every_endpoint_needs_a_token(client: TestClient, customer: Callable[..., int]) -> None:
    ann = customer("Ann", "ann@example.com")
    for path, method, url in (("/customers", "get", CUSTOMERS), ("/customers", "post", CUSTOMERS),
                              ("/customers/{customer_id}", "get", f"{CUSTOMERS}/{ann}"),
                              ("/customers/{customer_id}", "patch", f"{CUSTOMERS}/{ann}"),
                              ("/customers/{customer_id}/merge", "post", f"{CUSTOMERS}/{ann}/merge"),
                              ("/customers/merges/{merge_id}/undo", "post",
                               f"{CUSTOMERS}/merges/1/undo"),
                              ("/organizations", "get", "/api/v1/organizations")):
        response = client.request(method, url, json={"name": "X"},
                                  headers={"Authorization": "Bearer nope"})
        assert response.status_code == 401, url
        conforms(path, method, response)
    assert client.get(CUSTOMERS).status_code == 401


def test_every_query_parameter_the_list_accepts_is_documented() -> None:
    listed = {p["name"] for p in DOCUMENT["paths"]["/customers"]["get"]["parameters"]}
    assert listed == set(LIST_PARAMS)


def test_control_characters_in_a_name_are_cleaned_as_the_intake_cleans_them(
    client: TestClient, agent: Headers, db: Database,
) -> None:
    made = client.post(CUSTOMERS, headers=agent, json={
        "name": "Ada\r\nBcc: x@evil.example", "emails": ["ada@example.com"]})
    assert made.status_code == 201 and made.json()["name"] == "Ada Bcc: x@evil.example"
    changed = client.patch(f"{CUSTOMERS}/{made.json()['id']}", headers=agent,
                           json={"name": "Ada\x00Lovelace"})
    assert changed.status_code == 200 and changed.json()["name"] == "Ada Lovelace"
    with db.session() as s:
        names = [c.name for c in s.exec(select(Customer))]
    assert names == ["Ada Lovelace"]
