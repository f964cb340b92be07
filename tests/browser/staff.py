"""What several journeys do first: a customer's ticket made through the intake, and a staff
member signed in through the real form."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page

from channels.message import Identity, InboundMessage
from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.models import User
from desk.settings import Settings
from tests.conftest import PASSWORD


def invoice_ticket(db: Database, settings: Settings, subject: str) -> int:
    """A ticket from 张伟 about a wrong invoice, by the web form's channel."""
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "zhang@example.cn", "张伟"), subject, "发票金额不对。"))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def signed_in(context: BrowserContext, agent: User) -> Page:
    page = context.new_page()
    page.goto("/agent/login")
    page.fill("#email", agent.email)
    page.fill("#password", PASSWORD)
    page.click("form[action='/agent/login'] button[type=submit]")
    page.wait_for_url("**/agent/")
    return page
