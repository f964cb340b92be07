"""A customer writes in Chinese through the web form, an agent answers and solves
the ticket, the customer reads the answer on their private link."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from desk.i18n import gettext_for
from desk.models import User
from desk.web.labels import STATUS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SUBJECT = "打印机无法连接"
MESSAGE = "您好，三楼的打印机从今天早上开始无法连接，电脑显示“脱机”。错误日志见附件。"
LOG_NAME = "错误日志.txt"
LOG_TEXT = "2024-05-01 09:12:03 打印机 HP-3F 连接超时 (errno 110)\n"
REPLY = "王先生您好，我们已重启打印服务器，请再试一次。"
NOTE = "内部备注：打印服务器的证书过期了，下周更换。"


def zh(message: str) -> str:
    """The Chinese the customer must see; never the English left untranslated."""
    text = gettext_for("zh_CN", message)
    assert text != message, f"no zh_CN translation for {message!r}"
    return text


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=artifacts / name, full_page=True)


def submit_request(page: Page, attachment: Path, artifacts: Path) -> tuple[int, str]:
    """Fills the public form in Chinese; returns the ticket number and private link."""
    page.goto("/requests/new")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("nav.lang strong")).to_have_text("简体中文")
    expect(page.locator("h1")).to_have_text(zh("Contact support"))
    page.fill("#name", "王小明")
    page.fill("#email", "wangxm@example.cn")
    page.fill("#subject", SUBJECT)
    page.fill("#message", MESSAGE)
    page.set_input_files("#attachments", attachment)
    shot(page, artifacts, "01-customer-form.png")
    page.click("form[action='/requests'] button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/[^/?]+\?received=1$"))
    number = int(page.locator("h1 .number").inner_text().lstrip("#"))
    expect(page.locator(".notice.success")).to_contain_text(f"#{number}")
    link = page.locator("input.private-link").input_value()
    assert page.url == f"{link}?received=1"
    shot(page, artifacts, "02-customer-received.png")
    return number, link


def sign_in(page: Page, agent: User) -> None:
    page.goto("/agent/login")
    page.fill("#email", agent.email)
    page.fill("#password", PASSWORD)
    page.click("form[action='/agent/login'] button[type=submit]")
    page.wait_for_url("**/agent/")


def answer(page: Page, number: int, artifacts: Path) -> None:
    """Finds the ticket in the unassigned queue, replies and solves, adds a note."""
    page.click("a[data-view='unassigned']")
    page.wait_for_url("**/agent/?view=unassigned")
    row = page.locator("table.tickets tbody tr", has_text=SUBJECT)
    expect(row).to_have_attribute("data-ticket", str(number))
    shot(page, artifacts, "03-agent-queue.png")
    row.get_by_role("link", name=SUBJECT).click()
    page.wait_for_url(f"**/agent/tickets/{number}")
    attachment = page.locator("article.message.inbound .attachments a")
    expect(attachment).to_have_text(LOG_NAME)
    with page.expect_download() as download:
        attachment.click()
    assert download.value.suggested_filename == LOG_NAME
    assert Path(download.value.path()).read_text(encoding="utf-8") == LOG_TEXT
    shot(page, artifacts, "04-agent-ticket.png")

    reply_form = page.locator(f"form[action='/agent/tickets/{number}/replies']")
    reply_form.locator("input[name=kind][value=reply]").check()
    page.fill("#reply-text", REPLY)
    page.select_option("#reply-status", "solved")
    reply_form.locator("button[type=submit]").click()
    expect(page.locator("article.message.outbound .body")).to_have_text(REPLY)
    expect(page.locator("h1 ~ p .status")).to_have_attribute("data-status", "solved")
    shot(page, artifacts, "05-agent-replied-solved.png")

    reply_form.locator("input[name=kind][value=note]").check()
    page.fill("#reply-text", NOTE)
    reply_form.locator("button[type=submit]").click()
    expect(page.locator("article.message.internal .body")).to_have_text(NOTE)
    expect(page.locator("h1 ~ p .status")).to_have_attribute("data-status", "solved")
    shot(page, artifacts, "06-agent-internal-note.png")


def test_customer_request_is_answered_solved_and_read_on_the_private_link(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User],
    tmp_path: Path, artifacts: Path,
) -> None:
    agent = make_user("agent", email="li.na@desk.test", name="李娜")
    attachment = tmp_path / LOG_NAME
    attachment.write_text(LOG_TEXT, encoding="utf-8")

    customer = new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN"}
                           ).new_page()
    number, link = submit_request(customer, attachment, artifacts)

    staff = new_context(locale="en-US", accept_downloads=True).new_page()
    sign_in(staff, agent)
    answer(staff, number, artifacts)

    customer.goto(link)
    expect(customer.locator("h1 .number")).to_have_text(f"#{number}")
    status = customer.locator(".status[data-status]")
    expect(status).to_have_attribute("data-status", "solved")
    expect(status).to_have_text(zh(STATUS["solved"]))
    expect(customer.locator("article.message.outbound .body")).to_have_text(REPLY)
    expect(customer.locator("article.message.inbound .attachments a")).to_have_text(LOG_NAME)
    expect(customer.locator("article.message")).to_have_count(2)
    expect(customer.locator("main")).not_to_contain_text(NOTE)
    shot(customer, artifacts, "07-customer-sees-reply.png")
