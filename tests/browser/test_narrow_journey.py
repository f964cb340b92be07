"""The queue at 390 px (and every other agent and admin page: the board, a customer record,
organisations, reports, admin pages, a new macro, a bulk run): nothing scrolls sideways, the
top bar folds into a menu that holds sign-out, the tickets are cards; then the keyboard: '?'
lists the shortcuts, j/k move in the queue, Enter opens, r goes to the reply box and
Ctrl+Enter sends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.customers.organizations import create_organization
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets.bulk import start_bulk
from desk.db import Database, commit
from desk.models import Ticket, User
from desk.settings import Settings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

LONG_EMAIL = "a.very.long.mailbox.name.that.would.run.past.the.side.panel@subdomain.example.com"


def _tickets(db: Database, settings: Settings) -> list[int]:
    numbers = []
    with db.session() as s:
        for i, (name, address, subject) in enumerate((
                ("王小明", "wangxm@example.cn", "打印机无法连接，显示脱机"),
                ("Ada Lovelace", LONG_EMAIL, "Invoice INV-20391 charged twice this month"),
                ("Grace Hopper", "grace@example.com", "Cannot sign in after resetting my password"))):
            ticket, _ = ingest_message(s, settings, InboundMessage(
                "web", Identity("email", address, name), subject, f"Message {i}."))
            numbers.append(ticket.id)
        commit(s)
    return numbers


def _sign_in(page: Page, agent: User) -> None:
    page.goto("/agent/login")
    page.fill("input[name=email]", agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/agent/login'] button[type=submit]")
    page.wait_for_url("**/agent/")


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide at 390 px"


def test_the_queue_at_390_px(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], db: Database,
    settings: Settings, artifacts: Path,
) -> None:
    agent = make_user("agent", email="ana@desk.test", name="Ana Lima", locale="zh_CN")
    numbers = _tickets(db, settings)
    page = new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                       has_touch=True).new_page()
    _sign_in(page, agent)
    page.goto("/agent/?view=all_open")
    _no_sideways_scroll(page)
    # The top bar is folded: the navigation and sign-out wait behind the menu button.
    sign_out = page.locator("form[action='/agent/logout'] button[type=submit]")
    expect(sign_out).to_be_hidden()
    page.click("#nav-toggle")  # the menu button (an invisible box over its icon)
    expect(sign_out).to_be_visible()
    expect(page.locator(".main-nav a[href='/agent/customers']")).to_be_visible()
    box = sign_out.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path=artifacts / "narrow-menu.png", full_page=True)
    page.click("#nav-toggle")  # the menu button (an invisible box over its icon)
    expect(sign_out).to_be_hidden()
    # The tickets are cards: one row per ticket, each narrower than the screen, no header row.
    rows = page.locator("table.tickets tbody tr[data-ticket]")
    expect(rows).to_have_count(3)
    expect(page.locator("table.tickets thead")).to_be_hidden()
    for i in range(3):
        card = rows.nth(i).bounding_box()
        assert card is not None and card["x"] >= 0 and card["x"] + card["width"] <= 390
    # The filters start folded on a phone and open on a tap.
    expect(page.locator(".filter-box select[name=status]")).to_be_hidden()
    page.click(".filter-box summary")
    expect(page.locator(".filter-box select[name=status]")).to_be_visible()
    page.screenshot(path=artifacts / "narrow-queue.png", full_page=True)
    # The ticket page fits too, the long address wraps inside the customer card.
    page.goto(f"/agent/tickets/{numbers[1]}")
    _no_sideways_scroll(page)
    card = page.locator(".card.customer").bounding_box()
    email = page.locator(".customer-head .muted").bounding_box()
    assert card is not None and email is not None
    assert email["x"] + email["width"] <= card["x"] + card["width"]
    page.screenshot(path=artifacts / "narrow-ticket.png", full_page=True)
    for path in ("/agent/customers", "/agent/notifications", "/agent/follow-ups",
                 "/agent/macros", "/agent/kb/", "/agent/account"):
        page.goto(path)
        _no_sideways_scroll(page)


def test_keyboard_shortcuts_in_the_queue_and_the_reply_box(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], db: Database,
    settings: Settings, artifacts: Path,
) -> None:
    agent = make_user("agent", email="ana@desk.test", name="Ana Lima")
    _tickets(db, settings)
    page = new_context().new_page()
    _sign_in(page, agent)
    page.goto("/agent/?view=all_open")
    # '?' lists the shortcuts; Escape closes the list.
    page.keyboard.press("?")
    expect(page.locator("#shortcuts .shortcuts-panel")).to_be_visible()
    expect(page.locator("#shortcuts")).to_contain_text("j")
    page.screenshot(path=artifacts / "shortcuts.png")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts .shortcuts-panel")).to_be_hidden()
    # j moves down the queue, k back up, Enter opens the selected ticket.
    rows = page.locator("table.tickets tbody tr[data-ticket]")
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class("kbd-selected")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class("kbd-selected")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class("kbd-selected")
    number = rows.nth(0).get_attribute("data-ticket")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/agent/tickets/{number}")
    # r puts the cursor in the reply box; typing there does not trigger shortcuts.
    page.keyboard.press("r")
    expect(page.locator("#reply-text")).to_be_focused()
    page.keyboard.type("Thanks, this is fixed now. j k g q ?")
    expect(page.locator("#shortcuts .shortcuts-panel")).to_be_hidden()
    page.keyboard.press("Control+Enter")
    expect(page.locator("article.message.outbound .body")).to_have_text(
        "Thanks, this is fixed now. j k g q ?")
    # '/' goes to the search box, g q back to the queue.
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    expect(page.locator("form.top-search input[name=q]")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    page.keyboard.press("q")
    page.wait_for_url("**/agent/")


def test_every_other_agent_and_admin_page_at_390_px(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], db: Database,
    settings: Settings, artifacts: Path,
) -> None:
    admin = make_user("admin", email="ada@desk.test", name="Ada Admin", locale="zh_CN")
    numbers = _tickets(db, settings)
    with db.session() as s:
        org = create_organization(s, SYSTEM, {"name": "Analytical Engines Ltd", "domain": None})
        ticket = s.get(Ticket, numbers[1])
        assert ticket is not None
        run = start_bulk(s, SYSTEM, admin, {"priority": "high", "add_tags": ["billing"]}, numbers)
        commit(s)
        customer_id, org_id, run_id = ticket.customer_id, org.id, run.id
    page = new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                       has_touch=True).new_page()
    _sign_in(page, admin)
    wide = []
    for path in ("/agent/board?view=all_open", f"/agent/customers/{customer_id}",
                 "/agent/organizations", f"/agent/organizations/{org_id}", "/reports/",
                 "/reports/service", "/agent/macros/new",
                 f"/agent/bulk/{run_id}", "/admin/", "/admin/staff", "/admin/teams",
                 "/admin/mailboxes", "/admin/mailboxes/new", "/admin/rules", "/admin/rules/new",
                 "/admin/sla", "/admin/audit", "/admin/quarantine", "/admin/retention",
                 "/admin/review-policy", "/admin/customer-fields", "/admin/customers/import",
                 "/admin/webhooks", "/admin/security", "/admin/surveys", "/admin/chat"):
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            wide.append(f"{path}: {width} px")
            page.screenshot(path=artifacts / f"narrow-wide-{len(wide)}.png", full_page=True)
    assert not wide, "sideways scroll at 390 px: " + ", ".join(wide)
