"""An agent working in Chinese searches from the top bar of a ticket page and finds another
ticket by a word that is only in its third message, marked in the passage shown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from channels.message import Identity, InboundMessage
from desk.actions.audit import SYSTEM, Actor
from desk.actions.customers.identities import identify_customer
from desk.actions.ingest.one import add_customer_reply, ingest_message
from desk.actions.tickets.changes import add_agent_reply
from desk.db import Database, commit
from desk.models import User
from desk.settings import Settings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_chinese_word_in_the_third_message_is_found_from_the_top_bar(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], db: Database,
    settings: Settings, artifacts: Path,
) -> None:
    agent = make_user("agent", email="li@desk.test", name="李娜", locale="zh_CN")
    with db.session() as s:
        other, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "zhao@example.cn", "赵磊"), "发票抬头", "请修改发票抬头。"))
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "wang@example.cn", "王芳"), "打印机问题", "我的打印机不出纸。"))
        add_agent_reply(s, settings, Actor.of_user(agent), agent, ticket, "请重新装一下纸。",
                        internal=False)
        customer = identify_customer(s, SYSTEM, "wang@example.cn", "", "web")
        add_customer_reply(s, settings, ticket, customer, "还是不行，而且墨盒漏墨了。")
        commit(s)
        number, decoy = ticket.id, other.id
    page = new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto("/agent/login")
    page.fill("input[name=email]", agent.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/agent/login'] button[type=submit]")
    page.wait_for_url("**/agent/")
    page.goto(f"/agent/tickets/{decoy}")
    box = page.locator("form.top-search input[name=q]")
    box.fill("漏墨")
    box.press("Enter")
    page.wait_for_url("**/agent/?q=*")
    rows = page.locator("tr[data-ticket]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-ticket", str(number))
    expect(rows.first.locator("mark").first).to_have_text("漏墨")
    expect(rows.first.locator(".passage")).to_contain_text("墨盒漏墨")
    expect(box).to_have_value("漏墨")
    page.screenshot(path=artifacts / "search-chinese-third-message.png", full_page=True)
    rows.first.locator(f"a[href='/agent/tickets/{number}']").first.click()
    page.wait_for_url(f"**/agent/tickets/{number}")
    expect(page.locator("body")).to_contain_text("墨盒漏墨")
