"""The customer list: search (Chinese and partial input), filters, sorting, paging, batch edits
and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.customers.organizations import create_organization
from desk.actions.customers.records import create_customer, tags_of
from desk.db import Database, commit
from desk.models import AuditEntry, Customer, CustomerField, User
from tests.conftest import csrf_of, sign_in

Names = Callable[[str], list[str]]


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    """Five customers: two Chinese names, an organisation, a VIP, tags, sources."""
    with db.session() as s:
        acme = create_organization(s, SYSTEM, {"name": "Acme Trading 贸易"})
        made = [
            create_customer(s, SYSTEM, {"name": "王小明", "emails": ["xm@acme.cn"],
                                        "phones": ["+86 138 0013 8000"], "organization_id": acme.id,
                                        "tags": ["renewal"]}, source="email"),
            create_customer(s, SYSTEM, {"name": "李娜", "emails": ["lina@example.cn"], "tier": "vip"}),
            create_customer(s, SYSTEM, {"name": "Anna Lee", "emails": ["anna.lee@example.com"],
                                        "tier": "vip", "tags": ["renewal"]}, source="api"),
            create_customer(s, SYSTEM, {"name": "Bob Stone", "emails": ["bob@stone.io"]}),
            create_customer(s, SYSTEM, {"name": "Annabel Cruz", "emails": ["ac@cruz.io"],
                                        "tier": "prospect"}),
        ]
        commit(s)
        ids = {c.name: c.id for c in made if c.id is not None}
        ids["acme"] = acme.id  # type: ignore[assignment]
        return ids


@pytest.fixture
def agent(client: TestClient, make_user: Callable[..., User]) -> TestClient:
    return sign_in(client, make_user("agent", name="Ada Agent"))


@pytest.fixture
def supervisor(client: TestClient, make_user: Callable[..., User]) -> TestClient:
    return sign_in(client, make_user("supervisor"))


def _names(client: TestClient, query: str) -> list[str]:
    page = client.get(f"/agent/customers?{query}")
    assert page.status_code == 200, page.text
    return re.findall(r'<a href="/agent/customers/\d+">([^<]+)</a>', page.text)


def test_search_finds_chinese_names_by_any_part_and_partial_input(
        agent: TestClient, people: dict[str, int]) -> None:
    assert _names(agent, "q=小明") == ["王小明"]
    assert _names(agent, "q=王") == ["王小明"]
    assert _names(agent, "q=1380013") == ["王小明"]
    assert _names(agent, "q=贸易") == ["王小明"]
    assert _names(agent, "q=anna.lee@ex") == ["Anna Lee"]
    assert sorted(_names(agent, "q=ann")) == ["Anna Lee", "Annabel Cruz"]
    assert _names(agent, "q=lee+ann") == ["Anna Lee"]
    assert _names(agent, "q=nobody-like-this") == []
    assert "No customers match." in agent.get("/agent/customers?q=zzzz").text


def test_each_filter_narrows_the_list(agent: TestClient, people: dict[str, int], db: Database) -> None:
    with db.session() as s:
        owner = s.exec(select(User).where(User.name == "Ada Agent")).one()
        bob = s.get(Customer, people["Bob Stone"])
        bob.owner_id = owner.id  # type: ignore[union-attr]
        s.add(bob)
        commit(s)
    assert sorted(_names(agent, "tier=vip")) == ["Anna Lee", "李娜"]
    assert _names(agent, "source=api") == ["Anna Lee"]
    assert sorted(_names(agent, "tag=renewal")) == ["Anna Lee", "王小明"]
    assert _names(agent, f"organization_id={people['acme']}") == ["王小明"]
    assert _names(agent, f"owner_id={owner.id}") == ["Bob Stone"]
    assert _names(agent, "q=ann&tier=prospect") == ["Annabel Cruz"]
    # Values that are not a tier or a number are ignored, not errors.
    assert len(_names(agent, "tier=gold&owner_id=x")) == 5


def test_sorting_by_name_newest_and_oldest(agent: TestClient, people: dict[str, int]) -> None:
    by_name = _names(agent, "sort=name")
    assert by_name == sorted(by_name)
    newest = _names(agent, "sort=newest")
    assert newest[0] == "Annabel Cruz" and newest == list(reversed(_names(agent, "sort=oldest")))
    assert _names(agent, "") == newest  # without a query, newest first


def test_paging_walks_the_whole_result_with_previous_and_next(agent: TestClient, db: Database) -> None:
    with db.session() as s:
        for i in range(55):
            create_customer(s, SYSTEM, {"name": f"Pat {i:02d}", "emails": [f"pat{i}@example.com"]})
        commit(s)
    first = agent.get("/agent/customers?q=pat&sort=name")
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    assert "About 55 customers" in first.text
    second = agent.get("/agent/customers?q=pat&sort=name&page=2")
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
    assert _names(agent, "q=pat&sort=name") + _names(agent, "q=pat&sort=name&page=2") == [
        f"Pat {i:02d}" for i in range(55)]


def _batch(client: TestClient, **data: object) -> object:
    form = {"csrf_token": csrf_of(client, "/agent/customers"), "set_tier": "", "add_tags": "",
            "remove_tags": "", "set_organization": "", "set_owner": "", "scope": "selected", **data}
    return client.post("/agent/customers/batch", data=form, follow_redirects=False)  # type: ignore[arg-type]


def _history(db: Database, customer_id: int) -> list[AuditEntry]:
    with db.session() as s:
        return list(s.exec(select(AuditEntry).where(
            AuditEntry.entity == "customer", AuditEntry.entity_id == customer_id,
            AuditEntry.action == "updated").order_by(col(AuditEntry.id))))


def test_batch_on_ticked_customers_changes_only_them_with_a_history_row_each(
        agent: TestClient, people: dict[str, int], db: Database) -> None:
    ticked = [people["Bob Stone"], people["Annabel Cruz"]]
    answer = _batch(agent, id=ticked, set_tier="vip", add_tags="churn-risk, Q3",
                    filter="q=&sort=name")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"] == "/agent/customers?sort=name&updated=2"  # type: ignore[attr-defined]
    assert "2 customers updated" in agent.get(answer.headers["location"]).text  # type: ignore[attr-defined]
    with db.session() as s:
        assert {c.name: c.tier for c in s.exec(select(Customer))}["Bob Stone"] == "vip"
        assert tags_of(s, people["Annabel Cruz"]) == ["churn-risk", "q3"]
        assert s.get(Customer, people["王小明"]).tier == "standard"  # type: ignore[union-attr]
    (row,) = _history(db, people["Annabel Cruz"])
    assert row.changes["tier"] == ["prospect", "vip"] and row.actor_name == "Ada Agent"


def test_batch_on_a_whole_filter_changes_every_match_not_only_the_page(
        agent: TestClient, people: dict[str, int], db: Database) -> None:
    with db.session() as s:
        for i in range(60):
            create_customer(s, SYSTEM, {"name": f"Bulk {i}", "emails": [f"bulk{i}@example.com"]})
        commit(s)
    answer = _batch(agent, scope="all", filter="q=bulk&tier=standard", add_tags="imported")
    assert answer.headers["location"].endswith("updated=60")  # type: ignore[attr-defined]
    assert len(_names(agent, "tag=imported")) + len(_names(agent, "tag=imported&page=2")) == 60
    assert _history(db, people["Bob Stone"]) == []
    with db.session() as s:
        bulk = s.exec(select(Customer.id).where(col(Customer.name).startswith("Bulk"))).all()
    assert all(len(_history(db, i)) == 1 for i in bulk)


def test_batch_with_an_unknown_owner_shows_the_error_keeps_the_input_and_changes_nothing(
        agent: TestClient, people: dict[str, int], db: Database) -> None:
    answer = _batch(agent, id=[people["Bob Stone"]], set_tier="vip", add_tags="keep-me",
                    set_owner="987654", filter="q=bob")
    assert answer.status_code == 400  # type: ignore[attr-defined]
    text = answer.text  # type: ignore[attr-defined]
    assert "No such agent." in text
    assert 'value="keep-me"' in text and '<option value="vip" selected>' in text
    assert re.search(rf'name="id" value="{people["Bob Stone"]}"[^>]* checked', text)
    assert 'name="q" value="bob"' in text
    with db.session() as s:
        assert s.get(Customer, people["Bob Stone"]).tier == "standard"  # type: ignore[union-attr]
    assert _history(db, people["Bob Stone"]) == []


def test_batch_without_the_form_token_is_refused(agent: TestClient, people: dict[str, int]) -> None:
    answer = agent.post("/agent/customers/batch", data={"id": people["Bob Stone"], "set_tier": "vip"})
    assert answer.status_code == 403


def _export(client: TestClient, query: str) -> tuple[bytes, list[dict[str, str]]]:
    answer = client.get(f"/agent/customers/export.csv?{query}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return answer.content, list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_export_is_utf8_with_bom_keeps_chinese_and_respects_the_filter(
        supervisor: TestClient, people: dict[str, int], db: Database) -> None:
    with db.session() as s:
        s.add(CustomerField(key="plan", label="Plan", kind="text"))
        s.flush()
        create_customer(s, SYSTEM, {"name": "=HYPERLINK(1)", "emails": ["x@evil.io", "y@evil.io"],
                                    "tier": "vip", "fields": {"plan": "gold"}})
        commit(s)
    raw, rows = _export(supervisor, "tier=vip&sort=name")
    assert raw.startswith("\ufeff".encode())
    assert list(rows[0]) == ["id", "name", "emails", "phones", "organization", "tier", "source",
                             "owner", "tags", "plan", "created_at", "updated_at"]
    assert sorted(r["name"] for r in rows) == ["'=HYPERLINK(1)", "Anna Lee", "李娜"]
    evil = next(r for r in rows if r["plan"])
    assert (evil["emails"], evil["plan"]) == ("x@evil.io;y@evil.io", "gold")
    _, chinese = _export(supervisor, "q=小明")
    assert [(r["name"], r["phones"], r["organization"], r["tags"]) for r in chinese] == [
        ("王小明", "+8613800138000", "Acme Trading 贸易", "renewal")]
    with db.session() as s:
        audit = s.exec(select(AuditEntry).where(AuditEntry.entity == "customer_export")).all()
    assert [a.changes for a in audit] == [{"filter": {"tier": "vip", "sort": "name"}},
                                          {"filter": {"q": "小明"}}]


def test_agents_may_not_export_and_see_no_export_link(agent: TestClient, people: dict[str, int]) -> None:
    assert agent.get("/agent/customers/export.csv").status_code == 403
    assert "export.csv" not in agent.get("/agent/customers").text


def test_customer_area_navigation_shows_transfer_and_import_by_role(
        client: TestClient, make_user: Callable[..., User]) -> None:
    sign_in(client, make_user("agent"))
    page = client.get("/agent/customers").text
    assert 'href="/agent/customers/duplicates"' in page and "/agent/customers/transfer" not in page
    sign_in(client, make_user("admin"))
    page = client.get("/agent/customers").text
    assert 'href="/agent/customers/transfer"' in page and 'href="/admin/customers/import"' in page
