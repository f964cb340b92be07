"""An agent drags a card on the board to another column: the ticket's status changes through
the ticket page's own change (its history says so), without a reload; a drag to a status the
agent may not set is refused with the reason, and the card stays. A colleague's move shows on
an open board without a reload."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from channels.message import Identity, InboundMessage
from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.models import Ticket, User
from desk.settings import Settings
from tests.browser.staff import invoice_ticket, signed_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_board_drag_moves_a_card_and_a_refused_drag_says_why(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], db: Database,
    settings: Settings, artifacts: Path,
) -> None:
    agent = make_user("agent", email="ana@desk.test", name="Ana")
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim Lee"), "Printer offline", "It is off."))
        commit(s)
        number = ticket.id
    page = new_context(viewport={"width": 1700, "height": 900}).new_page()
    page.goto("/agent/login")
    page.fill("input[name=email]", agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/agent/login'] button[type=submit]")
    page.wait_for_url("**/agent/")
    page.goto("/agent/board?view=all_open")
    card = page.locator(f"#ticket-{number}")
    expect(page.locator("[data-column=new]")).to_contain_text("Printer offline")
    expect(card).to_contain_text("Kim Lee")
    card.drag_to(page.locator("[data-column=pending]"))
    expect(page.locator(f"[data-column=pending] #ticket-{number}")).to_be_visible()
    expect(page.locator("[data-column=pending] [data-count]")).to_have_text("1")
    page.screenshot(path=artifacts / "board-after-drag.png", full_page=True)
    with db.session() as s:
        moved = s.get(Ticket, number)
        assert moved is not None and moved.status == "pending"
    page.locator(f"#ticket-{number}").drag_to(page.locator("[data-column=closed]"))
    expect(page.locator("[data-board-error]")).to_contain_text("Only supervisors and admins")
    expect(page.locator(f"[data-column=pending] #ticket-{number}")).to_be_visible()
    page.locator(f"#ticket-{number}").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"[data-column=on_hold] #ticket-{number}")).to_be_visible()
    page.reload()
    expect(page.locator(f"[data-column=on_hold] #ticket-{number}")).to_be_visible()
    page.goto(f"/agent/tickets/{number}")
    expect(page.locator("ul.history")).to_contain_text("On hold")


def test_a_colleagues_move_shows_on_an_open_board_without_a_reload(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], db: Database,
    settings: Settings, artifacts: Path,
) -> None:
    number = invoice_ticket(db, settings, "发票抬头错误")
    ana = signed_in(new_context(viewport={"width": 1700, "height": 900}),
                    make_user("agent", email="ana@desk.test", name="Ana"))
    bo = signed_in(new_context(), make_user("agent", email="bo@desk.test", name="Bo"))
    ana.goto("/agent/board?view=all_open")
    expect(ana.locator(f"[data-column=new] #ticket-{number}")).to_be_visible()
    marker = ana.evaluate("() => (window.stillTheSamePage = true)")
    bo.goto(f"/agent/tickets/{number}")
    bo.select_option("#status", "on_hold")
    bo.click("form.properties button[type=submit]")
    bo.wait_for_url(f"**/agent/tickets/{number}")
    expect(ana.locator(f"[data-column=on_hold] #ticket-{number}")).to_be_visible()
    expect(ana.locator(f"[data-column=new] #ticket-{number}")).to_have_count(0)
    assert marker and ana.evaluate("() => window.stillTheSamePage") is True  # no reload
    ana.screenshot(path=artifacts / "board-live-move.png", full_page=True)


def test_a_focused_card_keeps_the_focus_when_a_colleagues_change_refreshes_the_board(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], db: Database,
    settings: Settings,
) -> None:
    mine = invoice_ticket(db, settings, "Printer offline")
    theirs = invoice_ticket(db, settings, "Invoice address")
    ana = signed_in(new_context(viewport={"width": 1700, "height": 900}),
                    make_user("agent", email="ana@desk.test", name="Ana"))
    bo = signed_in(new_context(), make_user("agent", email="bo@desk.test", name="Bo"))
    ana.goto("/agent/board?view=all_open")
    ana.locator(f"#ticket-{mine}").focus()
    bo.goto(f"/agent/tickets/{theirs}")
    bo.select_option("#status", "pending")
    bo.click("form.properties button[type=submit]")
    bo.wait_for_url(f"**/agent/tickets/{theirs}")
    # The board was swapped for a fresh one: the colleague's card moved on its own.
    expect(ana.locator(f"[data-column=pending] #ticket-{theirs}")).to_be_visible()
    expect(ana.locator(f"#ticket-{mine}")).to_be_focused()
    ana.keyboard.press("ArrowRight")
    expect(ana.locator(f"[data-column=open] #ticket-{mine}")).to_be_visible()
