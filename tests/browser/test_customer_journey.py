"""An agent finds a customer by part of a Chinese name, adds a phone number (a taken address is
refused with the input kept), then finds the customer's second record (the same number without
its country code) among the likely duplicates, merges it, and undoes the merge."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import select

from desk.actions.audit import SYSTEM
from desk.actions.customers.records import create_customer, identities_of
from desk.db import Database, commit
from desk.models import Customer, Ticket, User
from tests.browser.test_journey import sign_in

pytestmark = pytest.mark.browser


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=artifacts / name, full_page=True)


@pytest.fixture
def records(db: Database) -> dict[str, int]:
    with db.session() as s:
        wang = create_customer(s, SYSTEM, {"name": "王小明", "emails": ["xm@acme.example"]})
        # The same person, found by the phone number written without its country code.
        twin = create_customer(s, SYSTEM, {"name": "王小明", "emails": ["xiaoming@example.cn"],
                                           "phones": ["138 0013 8000"]})
        create_customer(s, SYSTEM, {"name": "Ann Lee", "emails": ["ann@example.com"]})
        s.add(Ticket(subject="发票问题", customer_id=twin.id or 0, channel="email"))
        commit(s)
        assert wang.id and twin.id
        return {"wang": wang.id, "twin": twin.id}


def test_agent_finds_edits_merges_and_undoes(
    records: dict[str, int], new_context: Callable[..., BrowserContext],
    make_user: Callable[..., User], db: Database, artifacts: Path,
) -> None:
    agent = make_user("agent", name="Tom Agent")
    page = new_context(locale="zh-CN").new_page()
    sign_in(page, agent)

    page.goto("/agent/customers")
    page.fill("main input[name=q]", "小明")  # the page's own box, not the top bar's ticket search
    page.press("main input[name=q]", "Enter")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    shot(page, artifacts, "customers-01-search.png")

    page.goto(f"/agent/customers/{records['wang']}/edit")
    page.fill("#c-emails", "xm@acme.example\nann@example.com")
    page.fill("#c-phones", "+86 138 0013 8000")
    page.click("form.customer-form button[type=submit]")
    expect(page.locator("body")).to_contain_text("Ann Lee")
    assert page.locator("#c-phones").input_value() == "+86 138 0013 8000"
    shot(page, artifacts, "customers-02-taken-address.png")
    page.fill("#c-emails", "xm@acme.example")
    page.click("form.customer-form button[type=submit]")
    page.wait_for_url(f"**/agent/customers/{records['wang']}")
    expect(page.locator("body")).to_contain_text("+8613800138000")
    with db.session() as s:
        assert identities_of(s, records["wang"])["phones"] == ["+8613800138000"]

    page.goto(f"/agent/customers/{records['wang']}/duplicates")
    page.click(f"a[href$='/merge?other={records['twin']}']")
    page.check(f"input[name=survivor][value='{records['wang']}']")
    shot(page, artifacts, "customers-03-merge.png")
    page.click("form[action$='/merge'] button[type=submit]")
    page.wait_for_url(f"**/agent/customers/{records['wang']}")
    expect(page.locator("body")).to_contain_text("发票问题")
    with db.session() as s:
        twin = s.get(Customer, records["twin"])
        assert twin is not None and twin.merged_into_id == records["wang"]

    page.goto(f"/agent/customers/{records['wang']}/duplicates")
    with page.expect_navigation():
        page.click("form[action$='/undo'] button[type=submit]")
    with db.session() as s:
        twin = s.get(Customer, records["twin"])
        assert twin is not None and twin.merged_into_id is None
        ticket = s.exec(select(Ticket).where(Ticket.subject == "发票问题")).one()
        assert ticket.customer_id == records["twin"]
    shot(page, artifacts, "customers-04-undone.png")
