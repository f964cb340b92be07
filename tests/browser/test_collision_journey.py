"""Two agents on one ticket, the second without JavaScript: saving properties from a page
opened before the first agent's change shows what changed and asks first; "save anyway"
saves. Then the ticket is merged into another of the customer's from the page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from desk.db import Database
from desk.models import Ticket, User
from desk.settings import Settings
from tests.browser.staff import invoice_ticket, signed_in

pytestmark = pytest.mark.browser


def test_an_agent_is_warned_before_overwriting_a_colleagues_change(
    new_context: Callable[..., BrowserContext], db: Database, settings: Settings,
    make_user: Callable[..., User], artifacts: Path,
) -> None:
    number = invoice_ticket(db, settings, "发票金额错误")
    other = invoice_ticket(db, settings, "发票又错了")
    ana = signed_in(new_context(), make_user("agent", email="ana@desk.test", name="Ana"))
    bo = signed_in(new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900}),
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
