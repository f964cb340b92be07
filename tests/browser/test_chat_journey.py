"""Live chat end to end: a visitor on a shop's page (another site) opens the widget in
Chinese, sees a suggested article, writes; an agent signed in elsewhere sees the chat arrive
in the queue, replies, and the visitor sees the reply and the typing marker; the visitor
closes the page and the agent's next reply reaches their email through a real SMTP server;
the ticket is one conversation."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, WebSocketRoute, expect

from desk.actions.audit import SYSTEM, Actor
from desk.actions.chat.widgets import WidgetForm, save_widget
from desk.actions.kb.articles import ArticleInput, create_article
from desk.actions.users import add_to_team, ensure_team
from desk.db import Database, commit
from desk.kb_index import reindex
from desk.models import User
from desk.settings import Settings
from tests.browser.conftest import Server, _desk_command, _free_port, _stop, _wait_until_healthy
from tests.conftest import PASSWORD, redis_test_url
from tests.desk.test_mail_send import add_mailbox
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.browser

ARTICLE = "订单发货时间查询"


class ShopPage:
    """A customer's site on its own origin, with Desk's tag pasted in."""

    def __init__(self) -> None:
        self.html = b""
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(page.html)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def shop() -> Iterator[ShopPage]:
    page = ShopPage()
    yield page
    page.stop()


@pytest.fixture
def desk_ready(db: Database, settings: Settings, smtp_server: SmtpServer,
               make_user: Callable[..., User]) -> User:
    """Before the server starts: a mailbox that sends through the SMTP server, an article
    in the index, an agent in the chat team."""
    writer = make_user("supervisor", email="writer@desk.test")
    with db.session() as s:
        add_mailbox(s, settings, smtp_server)
        create_article(s, Actor.of_user(writer), writer, ArticleInput(
            title=ARTICLE, body_markdown="订单付款后 24 小时内发货，发货后可在订单页面查看物流单号。",
            locale="zh-CN", status="published"))
        commit(s)
    reindex(db, settings)
    agent = make_user("agent", email="ana@desk.test", name="Ana")
    with db.session() as s:
        team = ensure_team(s, SYSTEM, "Chat")
        add_to_team(s, SYSTEM, agent, team)
        commit(s)
    return agent


def _sign_in(page: Page, agent: User) -> None:
    page.goto("/agent/login")
    page.fill("#email", agent.email)
    page.fill("#password", PASSWORD)
    page.click("form[action='/agent/login'] button[type=submit]")
    page.wait_for_url("**/agent/")


@pytest.mark.parametrize("network", ["websocket", "websocket_blocked"])
def test_a_visitor_chats_from_a_shop_and_the_conversation_goes_on_by_email(
    network: str, desk_ready: User, shop: ShopPage, server: Server,
    new_context: Callable[..., BrowserContext], db: Database, settings: Settings, smtp_server: SmtpServer,
    artifacts: Path,
) -> None:
    with db.session() as s:
        team = ensure_team(s, SYSTEM, "Chat")
        commit(s)
        widget = save_widget(s, SYSTEM, str(settings.secret_key), None, WidgetForm(
            name="Shop", team_id=str(team.id), origins=shop.url, greeting_zh="您好，有什么可以帮您？"))
    assert widget is not None
    shop.html = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>小店</title>'
                 f'</head><body><h1>小店</h1><script src="{server.url}/chat/widget.js" '
                 f'data-widget="{widget.key}" async></script></body></html>').encode()

    agent_page = new_context().new_page()
    _sign_in(agent_page, desk_ready)
    agent_page.goto("/agent/?view=all_open")

    visitor_context = new_context(locale="zh-CN")
    sockets: list[str] = []
    if network == "websocket_blocked":  # a proxy that refuses WebSockets: SSE + POST instead
        def refuse(ws: WebSocketRoute) -> None:
            sockets.append(ws.url)
            ws.close()
        visitor_context.route_web_socket("**/socket*", refuse)
    visitor = visitor_context.new_page()
    visitor.on("websocket", lambda ws: sockets.append(ws.url))
    visitor.goto(shop.url + "/")
    chat = visitor.locator("[data-desk-chat]")
    chat.locator(".btn").click()
    expect(chat.locator(".log")).to_contain_text("您好，有什么可以帮您？")
    chat.locator("input[name=name]").fill("王芳")
    chat.locator("input[name=email]").fill("wangfang@example.cn")
    chat.locator("textarea").fill("我的订单什么时候发货？")
    expect(chat.locator(".suggest")).to_contain_text(ARTICLE)
    chat.locator("textarea").press("Enter")
    expect(chat.locator(".msg.mine")).to_contain_text("我的订单什么时候发货？")
    visitor.screenshot(path=artifacts / f"chat-01-visitor-{network}.png")

    row = agent_page.locator("table.tickets tr", has_text="我的订单什么时候发货")
    expect(row).to_be_visible()
    row.locator("a").first.click()
    expect(agent_page.locator("#presence")).to_contain_text("王芳")
    expect(chat.locator(".msg.mine .state")).to_have_text("已读")  # Ana has the chat open
    agent_page.fill("#reply-text", "您好，订单今天下午发货。")
    expect(chat.locator(".typing")).to_contain_text("Ana")
    agent_page.click("form[action$='/replies'] button[type=submit]")
    expect(chat.locator(".msg:not(.mine)")).to_contain_text("您好，订单今天下午发货。")
    # The visitor read it in the chat: Ana's page says so without a reload.
    expect(agent_page.locator(".conversation [data-delivery=in_chat]")).to_be_visible()
    visitor.screenshot(path=artifacts / f"chat-02-reply-{network}.png")
    assert any("/socket?" in url for url in sockets)  # tried first either way

    chat.locator("input[type=file]").set_input_files(files=[{
        "name": "快递单.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64}])
    expect(chat.locator(".msg.mine").last).to_contain_text("快递单.png")
    expect(agent_page.locator(".conversation")).to_contain_text("快递单.png")  # live, attached

    visitor.close()  # the visitor leaves: the next reply goes by mail
    expect(agent_page.locator("#presence")).not_to_contain_text("王芳", timeout=10_000)
    agent_page.fill("#reply-text", "物流单号是 SF123456789CN。")
    agent_page.click("form[action$='/replies'] button[type=submit]")
    # The reply's page has come back (the mail may go out before it does).
    expect(agent_page.locator(".conversation")).to_contain_text("SF123456789CN")
    def mailed(text: str) -> list[str]:
        return [r.rcpt_tos[0] for r in smtp_server.messages
                if text in r.message.get_body(("plain",)).get_content()]  # type: ignore[union-attr]

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not mailed("SF123456789CN"):
        time.sleep(0.2)
    assert mailed("SF123456789CN") == ["wangfang@example.cn"]
    # Leaving sent the chat as it was, once; the reply read in the chat went in no other mail.
    assert mailed("订单今天下午发货") == ["wangfang@example.cn"]
    transcript = next(r.message for r in smtp_server.messages
                      if "订单今天下午发货" in r.message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    body = transcript.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "我的订单什么时候发货？" in body and "SF123456789CN" not in body
    agent_page.reload()
    expect(agent_page.locator(".conversation")).to_contain_text("我的订单什么时候发货？")
    expect(agent_page.locator(".conversation")).to_contain_text("SF123456789CN")


@pytest.fixture
def second_server(server: Server, settings: Settings, tmp_path: Path) -> Iterator[str]:
    """Another `desk serve` on the same database (PostgreSQL), with Redis and a `desk
    worker` as a multi-process deployment runs: the visitor on one process, the agent on
    the other."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite is served by one process; the PostgreSQL run has two")
    import redis

    redis_url = redis_test_url()
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    env.update({"DESK_DATA_DIR": str(settings.data_dir), "DESK_DATABASE_URL": settings.database_url,
                "DESK_SECRET_KEY": str(settings.secret_key), "DESK_BASE_URL": url,
                "DESK_REDIS_URL": redis_url})
    log = tmp_path / "second.log"
    processes = []
    with log.open("wb") as out:
        for args in (["serve", "--host", "127.0.0.1", "--port", str(port)], ["worker"]):
            processes.append(subprocess.Popen([*_desk_command(), *args], env=env, cwd=tmp_path,
                                              stdout=out, stderr=subprocess.STDOUT))
    try:
        _wait_until_healthy(processes[0], url, log)
        yield url
    finally:
        for process in processes:
            _stop(process)
        client.flushdb()
        client.close()


def test_a_chat_across_two_desk_serve_processes_on_postgresql_and_redis(
    desk_ready: User, shop: ShopPage, server: Server, second_server: str,
    new_context: Callable[..., BrowserContext], db: Database, settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    """The visitor's widget talks to one process, the agent works on the other: messages,
    typing both ways, presence and read marks travel between them by PostgreSQL; the reply
    after the visitor left goes by mail through a real SMTP server; one ticket."""
    from sqlmodel import select

    from desk.models import Ticket

    with db.session() as s:
        team = ensure_team(s, SYSTEM, "Chat")
        commit(s)
        widget = save_widget(s, SYSTEM, str(settings.secret_key), None, WidgetForm(
            name="Shop", team_id=str(team.id), origins=shop.url, greeting_zh="您好，有什么可以帮您？"))
    assert widget is not None
    shop.html = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>'
                 f'<script src="{server.url}/chat/widget.js" data-widget="{widget.key}" async>'
                 f'</script></body></html>').encode()
    agent_page = new_context().new_page()  # every address below on the second process
    agent_page.goto(f"{second_server}/agent/login")
    agent_page.fill("#email", desk_ready.email)
    agent_page.fill("#password", PASSWORD)
    agent_page.click("form[action='/agent/login'] button[type=submit]")
    agent_page.wait_for_url("**/agent/")
    agent_page.goto(f"{second_server}/agent/?view=all_open")

    visitor = new_context(locale="zh-CN").new_page()
    visitor.goto(shop.url + "/")
    chat = visitor.locator("[data-desk-chat]")
    chat.locator(".btn").click()
    expect(chat.locator(".log")).to_contain_text("您好，有什么可以帮您？")
    chat.locator("input[name=name]").fill("王芳")
    chat.locator("input[name=email]").fill("wangfang@example.cn")
    chat.locator("textarea").fill("我的订单 4521 什么时候发货？")
    expect(chat.locator(".suggest")).to_contain_text(ARTICLE)
    chat.locator("textarea").press("Enter")

    row = agent_page.locator("table.tickets tr", has_text="我的订单 4521 什么时候发货？")
    expect(row).to_be_visible()  # the queue on the other process heard of it
    row.locator("a").first.click()
    expect(agent_page.locator("#presence")).to_contain_text("王芳")
    expect(chat.locator(".msg.mine .state")).to_have_text("已读")
    agent_page.fill("#reply-text", "今天发货。")
    expect(chat.locator(".typing")).to_contain_text("Ana")
    agent_page.click("form[action$='/replies'] button[type=submit]")
    expect(chat.locator(".msg:not(.mine)")).to_contain_text("今天发货。")
    chat.locator("textarea").type("谢谢")  # the visitor types: the agent sees it
    expect(agent_page.locator("#presence")).to_contain_text("王芳 (typing)")
    chat.locator("textarea").press("Enter")
    expect(agent_page.locator(".conversation")).to_contain_text("谢谢")

    visitor.close()  # the visitor leaves: the next reply goes by mail
    expect(agent_page.locator("#presence")).not_to_contain_text("王芳", timeout=10_000)
    agent_page.fill("#reply-text", "物流单号是 SF4521CN。")
    agent_page.click("form[action$='/replies'] button[type=submit]")
    expect(agent_page.locator(".conversation")).to_contain_text("SF4521CN")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(
            "SF4521CN" in r.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            for r in smtp_server.messages):
        time.sleep(0.2)
    mailed = [r.rcpt_tos for r in smtp_server.messages
              if "SF4521CN" in r.message.get_body(("plain",)).get_content()]  # type: ignore[union-attr]
    assert mailed == [["wangfang@example.cn"]]
    with db.session() as s:
        tickets = s.exec(select(Ticket).where(Ticket.channel == "chat")).all()
    assert len(tickets) == 1  # one conversation across both processes and both channels
