"""The pages work with JavaScript turned off: plain forms, server-side errors."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from desk.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_request_form_errors_submit_and_follow_up_work_without_javascript(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(locale="zh-CN", java_script_enabled=False).new_page()
    page.goto("/requests/new")
    page.fill("#name", "王小明")
    page.click("form[action='/requests'] button[type=submit]")
    expect(page.locator(".form-error[role=alert]")).to_be_visible()
    for field in ("email", "subject", "message"):
        expect(page.locator(f"#{field}-error")).to_be_visible()
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name")).to_have_value("王小明")

    page.fill("#email", "wangxm@example.cn")
    page.fill("#subject", "无法登录邮箱")
    page.fill("#message", "输入密码后页面一直转圈。")
    page.click("form[action='/requests'] button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/[^/?]+\?received=1$"))
    link = page.locator("input.private-link").input_value()

    page.goto(link)
    page.fill("#message", "补充：换了浏览器也一样。")
    page.click("form[action$='/replies'] button[type=submit]")
    expect(page.locator("article.message.inbound .body")).to_have_text(
        ["输入密码后页面一直转圈。", "补充：换了浏览器也一样。"])


def test_agent_signs_in_and_solves_a_ticket_without_javascript(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User],
) -> None:
    agent = make_user("agent")
    customer = new_context(java_script_enabled=False).new_page()
    customer.goto("/requests/new")
    customer.fill("#name", "Ada")
    customer.fill("#email", "ada@example.com")
    customer.fill("#subject", "VPN drops every hour")
    customer.fill("#message", "It disconnects on the hour, every hour.")
    customer.click("form[action='/requests'] button[type=submit]")
    customer.wait_for_url(re.compile(r"\?received=1$"))
    number = customer.locator("h1 .number").inner_text().lstrip("#")

    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"/agent/tickets/{number}")
    page.wait_for_url(re.compile(r"/agent/login\?next="))
    page.fill("#email", agent.email)
    page.fill("#password", PASSWORD)
    page.click("form[action='/agent/login'] button[type=submit]")
    page.wait_for_url(f"**/agent/tickets/{number}")
    page.fill("#reply-text", "Fixed: the lease time was one hour.")
    page.select_option("#reply-status", "solved")
    page.click(f"form[action='/agent/tickets/{number}/replies'] button[type=submit]")
    expect(page.locator("h1 ~ p .status")).to_have_attribute("data-status", "solved")
    expect(page.locator("article.message.outbound .body")).to_have_text(
        "Fixed: the lease time was one hour.")
