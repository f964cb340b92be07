"""An agent filters the queue to the urgent tickets and puts every one of them on hold in one
bulk action (across pages, through the job); each ticket's history says so, the others are
untouched. Then ticks two tickets with the page's select-all box and tags them. While tickets
are ticked, a live update does not swap the list under the agent."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets.handling import save_ticket_changes
from desk.db import Database, commit
from desk.models import Ticket, User
from desk.queries.tickets.queue import ticket_history, ticket_tags
from desk.settings import Settings
from tests.browser.staff import signed_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _ticket(db: Database, settings: Settings, i: int, priority: str) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", f"c{i}@example.com", f"Customer {i}"), f"Problem {i}", "Help."))
        save_ticket_changes(s, SYSTEM, ticket, {"priority": priority})
        commit(s)
        assert ticket.id is not None
        return ticket.id


def test_a_bulk_action_over_a_filter_puts_every_matching_ticket_on_hold(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], db: Database,
    settings: Settings, artifacts: Path,
) -> None:
    agent = make_user("agent", email="ana@desk.test", name="Ana")
    urgent = [_ticket(db, settings, i, "urgent") for i in range(52)]
    normal = [_ticket(db, settings, 100 + i, "normal") for i in range(2)]
    page = new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto("/agent/login")
    page.fill("input[name=email]", agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/agent/login'] button[type=submit]")
    page.wait_for_url("**/agent/")
    page.goto("/agent/?view=all_open&priority=urgent")
    expect(page.locator("tr[data-ticket]")).to_have_count(50)  # the first page of 52
    page.click("details.bulk-bar summary")
    page.check("#bulk input[name=scope][value=filter]")
    page.select_option("#bulk select[name=set_status]", "on_hold")
    page.screenshot(path=artifacts / "bulk-form.png", full_page=True)
    page.click("#bulk button[type=submit]")
    page.wait_for_url(re.compile(r"/agent/bulk/\d+"))
    expect(page.locator(".bulk-run[data-finished=true]")).to_be_visible(timeout=20_000)
    expect(page.locator(".bulk-summary")).to_contain_text("52 of 52 tickets looked at, 52 changed")
    page.screenshot(path=artifacts / "bulk-done.png", full_page=True)
    with db.session() as s:
        statuses = {n: t.status for n in urgent + normal if (t := s.get(Ticket, n))}
        assert {statuses[n] for n in urgent} == {"on_hold"}
        assert {statuses[n] for n in normal} == {"new"}
        assert all(any(e.changes.get("status") == ["new", "on_hold"] and e.actor_name == "Ana"
                       for e in ticket_history(s, n)) for n in urgent)

    page.click("text=Back to the queue")
    page.goto("/agent/?view=all_open&priority=normal")
    page.check("[data-bulk-all]")
    expect(page.locator("#bulk [data-bulk-count]")).to_have_text("(2)")
    page.fill("#bulk input[name=add_tags]", "follow-up")
    page.click("#bulk button[type=submit]")
    expect(page.locator(".bulk-run[data-finished=true]")).to_be_visible(timeout=20_000)
    with db.session() as s:
        assert all(ticket_tags(s, n) == ["follow-up"] for n in normal)


def _customer_writes(page: Page, subject: str) -> None:
    """A new ticket through the web form, by the same desk serve the agent's page listens to."""
    page.goto("/requests/new")
    page.fill("#name", "Kim Lee")
    page.fill("#email", "kim@example.com")
    page.fill("#subject", subject)
    page.fill("#message", "It smells of smoke.")
    page.click("form[action='/requests'] button[type=submit]")


def test_live_updates_refresh_the_queue_and_its_counts_but_keep_the_ticked_tickets(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], db: Database,
    settings: Settings, artifacts: Path,
) -> None:
    first = [_ticket(db, settings, i, "normal") for i in range(2)]
    page = signed_in(new_context(viewport={"width": 1400, "height": 900}),
                     make_user("agent", email="ana@desk.test", name="Ana"))
    page.goto("/agent/?view=all_open")
    page.click("details.save-view summary")
    page.fill("details.save-view input[name=name]", "Everything open")
    page.click("details.save-view button[type=submit]")
    page.wait_for_url(re.compile(r"saved=\d+"))
    saved = page.locator("[data-saved-view] .count")
    expect(page.locator("[data-view=all_open] .count")).to_have_text("2")
    expect(saved).to_have_text("2")

    customer = new_context().new_page()
    _customer_writes(customer, "Printer on fire")
    expect(page.locator("table.tickets")).to_contain_text("Printer on fire")
    expect(page.locator("[data-view=all_open] .count")).to_have_text("3")
    expect(saved).to_have_text("3")
    expect(page.locator("[data-bulk-all]")).to_be_visible()  # the swapped-in box works too
    page.check("[data-bulk-all]")
    expect(page.locator("#bulk [data-bulk-count]")).to_have_text("(3)")
    page.uncheck("[data-bulk-all]")

    page.check(f"input[name=ids][value='{first[0]}']")
    _customer_writes(customer, "Scanner on fire too")
    expect(page.locator("#live-banner")).to_be_visible()
    page.screenshot(path=artifacts / "bulk-live-held.png", full_page=True)
    expect(page.locator(f"input[name=ids][value='{first[0]}']")).to_be_checked()
    expect(page.locator("#bulk [data-bulk-count]")).to_have_text("(1)")
    expect(page.locator("table.tickets")).not_to_contain_text("Scanner on fire too")
