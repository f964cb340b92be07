"""Cover at 390 px: Ana sets her working hours and, going away, names Bo as her delegate on
My account (nothing scrolls sideways); Bo finds "Covering for Ana" in his queue's side bar
and opens her customer's ticket, which is not in his team."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from desk.actions.audit import SYSTEM
from desk.actions.tickets.changes import update_ticket
from desk.db import Database, commit
from desk.models import Team, TeamMembership, Ticket, User
from desk.models.base import now
from desk.settings import Settings
from tests.browser.staff import invoice_ticket, signed_in

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide at 390 px"


def test_an_agent_going_away_names_a_delegate_who_sees_her_tickets(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], db: Database,
    settings: Settings, artifacts: Path,
) -> None:
    ana = make_user("agent", email="ana@desk.test", name="Ana")
    bo = make_user("agent", email="bo@desk.test", name="Bo")
    number = invoice_ticket(db, settings, "发票金额不对")
    with db.session() as s:
        sales = Team(name="Sales")  # Ana's, not Bo's
        s.add(sales)
        s.flush()
        s.add(TeamMembership(team_id=sales.id, user_id=ana.id))
        ticket = s.get(Ticket, number)
        assert ticket is not None
        update_ticket(s, SYSTEM, ticket, {"team_id": sales.id, "assignee_id": ana.id})
        commit(s)

    page = signed_in(new_context(**NARROW), ana)
    page.goto("/agent/account")
    _no_sideways_scroll(page)
    page.fill("#duty-zone", "Asia/Shanghai")
    page.fill("input[name=start0]", "09:00")
    page.fill("input[name=end0]", "18:00")
    page.click("#duty button[type=submit]")
    page.wait_for_url("**/agent/account?done=duty*")
    expect(page.locator("input[name=end0]")).to_have_value("18:00")
    page.select_option("#cover-delegate", label="Bo")
    local = now().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    page.fill("#cover-starts", (local - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#cover-ends", (local + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#cover button.primary")
    page.wait_for_url("**/agent/account?done=cover*")
    expect(page.locator(".covers li")).to_contain_text("Bo")
    _no_sideways_scroll(page)
    page.screenshot(path=artifacts / "cover-account-390.png", full_page=True)

    bos = signed_in(new_context(**NARROW), bo)
    _no_sideways_scroll(bos)
    bos.click(f"a[data-covering='{ana.id}']")
    bos.click(f"a[href='/agent/tickets/{number}']")
    expect(bos.locator("h1")).to_contain_text("发票金额不对")
    bos.screenshot(path=artifacts / "cover-delegate-390.png", full_page=True)
