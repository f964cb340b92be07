"""Two agents on one ticket: each sees the other there, one sees the other's reply and
property change arrive without reloading, and the queue takes in a new ticket."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from desk.db import Database
from desk.models import User
from desk.settings import Settings
from tests.browser.staff import invoice_ticket, signed_in

pytestmark = pytest.mark.browser


def test_a_colleagues_reply_and_change_appear_live_on_an_open_ticket(
    new_context: Callable[..., BrowserContext], db: Database, settings: Settings,
    make_user: Callable[..., User], artifacts: Path,
) -> None:
    number = invoice_ticket(db, settings, "发票金额错误")
    ana = signed_in(new_context(), make_user("agent", email="ana@desk.test", name="Ana"))
    wang = signed_in(new_context(locale="zh-CN"),
                      make_user("agent", email="wang@desk.test", name="王丽"))
    wang.goto(f"/agent/tickets/{number}")
    ana.goto(f"/agent/tickets/{number}")
    expect(wang.locator("#presence")).to_contain_text("Ana")
    expect(ana.locator("#presence")).to_contain_text("王丽")

    ana.fill("#reply-text", "您好，我们正在核对发票。")
    expect(wang.locator("#presence")).to_contain_text("Ana (")  # typing
    ana.click("form[action$='/replies'] button[type=submit]")
    ana.wait_for_url(f"**/agent/tickets/{number}")
    expect(wang.locator(".conversation")).to_contain_text("我们正在核对发票")

    ana.select_option("#priority", "urgent")
    ana.click("form.properties button[type=submit]")
    expect(wang.locator("#priority")).to_have_value("urgent")
    wang.screenshot(path=artifacts / "live-01-colleague-reply.png", full_page=True)

    wang.goto("/agent/?view=all_open")
    expect(wang.locator(f"tr[data-ticket='{number}']")).to_be_visible()
    customer = new_context(locale="zh-CN").new_page()  # through the same desk serve
    customer.goto("/requests/new")
    customer.fill("#name", "李娜")
    customer.fill("#email", "lina@example.cn")
    customer.fill("#subject", "新的问题：无法登录")
    customer.fill("#message", "今天早上开始无法登录账户。")
    customer.click("form[action='/requests'] button[type=submit]")
    expect(wang.locator("table.tickets")).to_contain_text("新的问题：无法登录")
