"""The visitor's open widget hears the agent's reply and typing through `desk serve`'s
stream, and the agent's ticket page hears the visitor; real server, real HTTP."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Callable, Iterator

import pytest

from desk.actions.audit import SYSTEM
from desk.actions.chat.widgets import WidgetForm, save_widget
from desk.db import Database
from desk.models import ChatWidget, User
from desk.settings import Settings
from tests.desk.live.test_stream import WAIT, Agent, Stream, _serve, _stop

SITE = "https://shop.example.com"


@pytest.fixture
def served(settings: Settings, db: Database) -> Iterator[str]:
    running = _serve(settings, db)
    yield running.url
    _stop(running)


def _widget(db: Database, settings: Settings) -> ChatWidget:
    with db.session() as s:
        saved = save_widget(s, SYSTEM, str(settings.secret_key), None,
                            WidgetForm(name="Shop", origins=SITE))
        assert saved is not None
        return saved


def _call(base: str, widget: ChatWidget, path: str, body: dict[str, object]) -> dict[str, object]:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=WAIT)
    conn.request("POST", f"/chat/w/{widget.key}/{path}", json.dumps(body),
                 {"Content-Type": "text/plain", "Origin": SITE})
    response = conn.getresponse()
    data: dict[str, object] = json.loads(response.read())
    conn.close()
    assert response.status == 200, data
    return data


class VisitorStream(Stream):
    def __init__(self, base: str, widget: ChatWidget, token: str) -> None:
        url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=WAIT)
        self.conn.request("GET", f"/chat/w/{widget.key}/stream?token={token}",
                          headers={"Origin": SITE})
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.headers["access-control-allow-origin"] == SITE


def test_visitor_and_agent_hear_each_other_live(
        served: str, db: Database, settings: Settings, make_user: Callable[..., User]) -> None:
    widget = _widget(db, settings)
    token = str(_call(served, widget, "start", {"name": "王芳", "email": "wf@example.cn"})["token"])
    ticket = _call(served, widget, "messages", {"token": token, "text": "在吗？", "id": "a1"})["ticket"]
    visitor = VisitorStream(served, widget, token)
    ana = Agent(served, make_user("agent", name="Ana"))
    page = Stream(ana, f"ticket={ticket}")
    try:
        mine = visitor.next("message")
        assert mine["mine"] is True and mine["text"] == "在吗？"  # type: ignore[index]
        page.next("presence", lambda v: any(x["name"] == "王芳" for x in v))
        token_ana = ana.csrf(f"/agent/tickets/{ticket}")
        ana.post("/agent/live/typing", {"ticket": str(ticket), "state": "typing"}, token_ana)
        assert visitor.next("typing", lambda v: v["typing"]) == {"name": "Ana", "typing": True}
        ana.post(f"/agent/tickets/{ticket}/replies", {"text": "在的，请说。", "kind": "reply"},
                 token_ana)
        ana.post(f"/agent/tickets/{ticket}/replies", {"text": "内部备注", "kind": "note"},
                 token_ana)
        reply = visitor.next("message")
        assert reply["text"] == "在的，请说。" and reply["author"] == "Ana"  # type: ignore[index]
        _call(served, widget, "typing", {"token": token, "state": "typing"})
        page.next("presence", lambda v: any(x["name"] == "王芳" and x["state"] == "typing"
                                            for x in v))
        _call(served, widget, "messages", {"token": token, "text": "订单 12345", "id": "a2"})
        assert visitor.next("message")["text"] == "订单 12345"  # type: ignore[index]
        assert page.next("notice")["kind"] == "message"  # type: ignore[index]
    finally:
        visitor.close()
        page.close()
