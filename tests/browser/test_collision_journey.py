"""Two agents on one ticket, the second without JavaScript: saving properties from a page
opened before the first agent's change shows what changed and asks first; "save anyway"
saves. Then the ticket is merged into another of the customer's from the page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from channels.message import Identity, InboundMessage
from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.models import Ticket, User
from desk.settings import Settings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _ticket(db: Database, settings: Settings, subject: str) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "zhang@example.cn", "张伟"), subject, "发票金额不对。"))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def _signed_in(context: BrowserContext, agent: User) -> Page:
    page = context.new_page()
    page.goto("/agent/login")
    page.fill("#email", agent.email)
    page.fill("#password", PASSWORD)
    page.click("form[action='/agent/login'] button[type=submit]")
    page.wait_for_url("**/agent/")
    return page


def test_an_agent_is_warned_before_overwriting_a_colleagues_change(
    new_context: Callable[..., BrowserContext], db: Database, settings: Settings,
    make_user: Callable[..., User], artifacts: Path,
) -> None:
    number = _ticket(db, settings, "发票金额错误")
    other = _ticket(db, settings, "发票又错了")
    ana = _signed_in(new_context(), make_user("agent", email="ana@desk.test", name="Ana"))
    bo = _signed_in(new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900}),
                    make_user("agent", email="bo@desk.test", name="Bo"))
    bo.goto(f"/agent/tickets/{number}")  # opened before Ana's change
    ana.goto(f"/agent/tickets/{number}")
    ana.select_option("#priority", "urgent")
    ana.click("form.properties button[type=submit]")
    ana.wait_for_url(f"**/agent/tickets/{number}")

    bo.select_option("#status", "pending")
    bo.click("form.properties button[type=submit]")
    notice = bo.locator("#conflict")
    expect(notice).to_contain_text("This ticket changed since you opened it")
    expect(notice.locator("tr[data-field=priority]")).to_contain_text("Urgent")
    expect(notice).to_contain_text("Ana")
    expect(bo.locator("#status")).to_have_value("pending")  # Bo's input kept
    bo.screenshot(path=artifacts / "collision-warning.png", full_page=True)
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and (ticket.priority, ticket.status) == ("urgent", "new")

    bo.select_option("#priority", "urgent")  # Bo keeps Ana's priority, then saves anyway
    bo.click("form.properties button[type=submit]")
    expect(bo.locator("#conflict")).to_have_count(0)
    with db.session() as s:
        ticket = s.get(Ticket, number)
        assert ticket is not None and (ticket.priority, ticket.status) == ("urgent", "pending")

    bo.select_option("#merge-target", str(other))
    bo.check("form[action$='/merge'] input[name=confirm]")
    bo.click("form[action$='/merge'] button[type=submit]")
    bo.wait_for_url(f"**/agent/tickets/{other}")
    expect(bo.locator(".relations")).to_contain_text(f"#{number}")
    expect(bo.locator(".conversation")).to_contain_text("发票金额不对。")
    bo.screenshot(path=artifacts / "merged-ticket.png", full_page=True)
