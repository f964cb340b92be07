"""The visitor's open widget hears the agent's reply and typing through `desk serve`'s
stream, and the agent's ticket page hears the visitor; real server, real HTTP."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import select

from desk.actions.audit import SYSTEM
from desk.actions.chat.widgets import WidgetForm, save_widget
from desk.db import Database
from desk.models import ChatConversation, ChatWidget, User
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


def _socket(base: str, widget: ChatWidget, token: str, origin: str = SITE) -> Any:
    from websockets.sync.client import connect

    url = base.replace("http://", "ws://") + f"/chat/w/{widget.key}/socket?token={token}"
    return connect(url, additional_headers={"Origin": origin}, open_timeout=WAIT)


def _frame(ws: Any, kind: str, match: Callable[[Any], bool] = lambda _: True) -> Any:
    while True:
        frame = json.loads(ws.recv(timeout=WAIT))
        if frame["type"] == kind and match(frame):
            return frame


def test_over_a_websocket_the_visitor_writes_hears_replies_and_typing_and_marks_read(
        served: str, db: Database, settings: Settings, make_user: Callable[..., User]) -> None:
    widget = _widget(db, settings)
    token = str(_call(served, widget, "start", {"name": "Kim", "email": "kim@example.com"})["token"])
    ticket = _call(served, widget, "messages", {"token": token, "text": "Hi", "id": "w1"})["ticket"]
    with _socket(served, widget, token) as ws:
        assert _frame(ws, "message")["data"]["text"] == "Hi"
        ws.send(json.dumps({"type": "message", "text": "Order 12345 is late", "id": "w2"}))
        ack = _frame(ws, "ack")
        assert ack["id"] == "w2" and ack["ticket"] == ticket and ack["message"]
        assert _frame(ws, "message", lambda f: f["data"]["text"] == "Order 12345 is late")
        ana = Agent(served, make_user("agent", name="Ana"))
        csrf = ana.csrf(f"/agent/tickets/{ticket}")
        ana.post("/agent/live/typing", {"ticket": str(ticket), "state": "typing"}, csrf)
        assert _frame(ws, "typing", lambda f: f["data"]["typing"])["data"]["name"] == "Ana"
        ana.post(f"/agent/tickets/{ticket}/replies", {"text": "Checking now.", "kind": "reply"},
                 csrf)
        reply = _frame(ws, "message", lambda f: not f["data"]["mine"])["data"]
        assert reply["text"] == "Checking now." and reply["author"] == "Ana"
        ws.send(json.dumps({"type": "read", "id": reply["id"]}))
        ws.send("not json")
        assert _frame(ws, "error")["error"]
        ws.send(json.dumps({"type": "message", "text": "x" * 6000, "id": "w3"}))
        assert _frame(ws, "error", lambda f: f["id"] == "w3")
    with db.session() as s:
        conversation = s.exec(select(ChatConversation).where(
            ChatConversation.ticket_id == ticket)).one()
        assert conversation.read_message_id == reply["id"]


def test_a_widget_opened_before_postgresqls_listener_is_in_place_hears_what_follows(
        settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Just after the start the LISTEN connection may not be up (slow under load): a stream
    waits for it before its first read, so no notice sent after that read is lost."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("on SQLite notices come from the process's own commits")
    import asyncio

    import psycopg

    connect = psycopg.AsyncConnection.connect

    async def slow_connect(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(1.5)
        return await connect(*args, **kwargs)

    monkeypatch.setattr(psycopg.AsyncConnection, "connect", slow_connect)
    running = _serve(settings, db)
    try:
        widget = _widget(db, settings)
        token = str(_call(running.url, widget, "start", {"name": "Kim", "email": "kim@example.com"})
                    ["token"])
        _call(running.url, widget, "messages", {"token": token, "text": "Hi", "id": "w1"})
        with _socket(running.url, widget, token) as ws:
            assert _frame(ws, "message")["data"]["text"] == "Hi"
            ws.send(json.dumps({"type": "message", "text": "Still there?", "id": "w2"}))
            assert _frame(ws, "message", lambda f: f["data"]["text"] == "Still there?")
    finally:
        _stop(running)


def test_a_websocket_from_a_site_the_widget_does_not_list_is_refused(
        served: str, db: Database, settings: Settings) -> None:
    from websockets.exceptions import InvalidStatus

    widget = _widget(db, settings)
    token = str(_call(served, widget, "start", {"name": "Kim", "email": "kim@example.com"})["token"])
    _call(served, widget, "messages", {"token": token, "text": "Hi", "id": "r1"})
    with pytest.raises(InvalidStatus):
        _socket(served, widget, token, origin="https://evil.example")
    with pytest.raises(InvalidStatus):
        _socket(served, widget, "forged-token")


def test_the_visitor_sees_read_when_an_agent_opens_the_chat_and_the_agent_sees_the_reply_read(
        served: str, db: Database, settings: Settings, make_user: Callable[..., User]) -> None:
    from desk.models import OutboundMessage

    widget = _widget(db, settings)
    token = str(_call(served, widget, "start", {"name": "Kim", "email": "kim@example.com"})["token"])
    ticket = _call(served, widget, "messages", {"token": token, "text": "Anyone?", "id": "d1"})["ticket"]
    visitor = VisitorStream(served, widget, token)
    ana = Agent(served, make_user("agent", name="Ana"))
    page: Stream | None = None
    try:
        mine = visitor.next("message")
        page = Stream(ana, f"ticket={ticket}")  # Ana opens the chat's ticket page
        assert visitor.next("read") == {"id": mine["id"]}  # type: ignore[index]
        csrf = ana.csrf(f"/agent/tickets/{ticket}")
        ana.post(f"/agent/tickets/{ticket}/replies", {"text": "Here, yes.", "kind": "reply"}, csrf)
        reply = visitor.next("message", lambda m: not m["mine"])
        with db.session() as s:
            [row] = s.exec(select(OutboundMessage).where(OutboundMessage.ticket_id == ticket)).all()
            assert row.status == "queued"  # "Waiting to be sent" while the visitor may read it
        _call(served, widget, "read", {"token": token, "id": reply["id"]})  # type: ignore[index]
        # Ana's page hears it at once (it reloads its delivery line), no send job needed.
        assert page.next("notice", lambda n: n["kind"] == "read")["ticket"] == ticket  # type: ignore[index]
        with db.session() as s:
            assert s.get(OutboundMessage, row.id).status == "in_chat"  # type: ignore[union-attr]
        assert "Read in the chat" in ana.get(f"/agent/tickets/{ticket}")
        # A page rendered just before the read (the agent's own reply reloads it) hears of
        # it as its stream opens.
        late = Stream(ana, f"ticket={ticket}&entry=999999&message=999999")
        assert late.next("notice")["kind"] == "updated"  # type: ignore[index]
        late.close()
    finally:
        visitor.close()
        if page is not None:
            page.close()


def test_over_a_websocket_the_visitors_message_turns_read_when_an_agent_answers_it(
        served: str, db: Database, settings: Settings, make_user: Callable[..., User]) -> None:
    widget = _widget(db, settings)
    token = str(_call(served, widget, "start", {"name": "Kim", "email": "kim@example.com"})["token"])
    ticket = _call(served, widget, "messages", {"token": token, "text": "Hi", "id": "v1"})["ticket"]
    with _socket(served, widget, token) as ws:
        ws.send(json.dumps({"type": "message", "text": "Order 12345?", "id": "v2"}))
        second = _frame(ws, "ack")["message"]
        ana = Agent(served, make_user("agent", name="Ana"))
        csrf = ana.csrf(f"/agent/tickets/{ticket}")  # a page, not a live stream: no presence
        ana.post(f"/agent/tickets/{ticket}/replies", {"text": "On its way.", "kind": "reply"}, csrf)
        assert _frame(ws, "read")["data"] == {"id": second}


def test_the_open_widget_hears_when_the_last_agent_goes_away_and_comes_back(
        served: str, db: Database, settings: Settings, make_user: Callable[..., User]) -> None:
    widget = _widget(db, settings)
    ana = Agent(served, make_user("agent", name="Ana"))  # signed in: someone can chat
    token = str(_call(served, widget, "start", {"name": "Kim", "email": "kim@example.com"})["token"])
    _call(served, widget, "messages", {"token": token, "text": "Hi", "id": "o1"})
    visitor = VisitorStream(served, widget, token)
    try:
        assert visitor.next("availability") == {"online": True}
        csrf = ana.csrf("/agent/")
        ana.post("/agent/availability", {"availability": "away"}, csrf)
        assert visitor.next("availability") == {"online": False}  # "leave a message", no reload
        ana.post("/agent/availability", {"availability": "available"}, csrf)
        assert visitor.next("availability") == {"online": True}
    finally:
        visitor.close()


def test_a_websocket_flood_is_refused_past_the_limit_and_every_acknowledged_message_is_stored(
        served: str, db: Database, settings: Settings) -> None:
    from desk.models import Message

    widget = _widget(db, settings)
    token = str(_call(served, widget, "start", {"name": "Kim", "email": "kim@example.com"})["token"])
    ticket = _call(served, widget, "messages", {"token": token, "text": "Hi", "id": "x0"})["ticket"]
    answers: dict[str, Any] = {}
    with _socket(served, widget, token) as ws:
        for i in range(200):
            ws.send(json.dumps({"type": "message", "text": f"flood {i}", "id": f"x{i + 1}"}))
        while len(answers) < 200:
            frame = json.loads(ws.recv(timeout=WAIT))
            if frame["type"] in ("ack", "error"):
                answers[frame["id"]] = frame
    acked = sorted(f"flood {int(i[1:]) - 1}" for i, f in answers.items() if f["type"] == "ack")
    refused = [f for f in answers.values() if f["type"] == "error"]
    assert 0 < len(acked) <= 5 and len(refused) == 200 - len(acked)
    assert all("too fast" in f["error"] for f in refused)
    with db.session() as s:
        stored = s.exec(select(Message.text).where(Message.ticket_id == ticket,
                                                   Message.text != "Hi")).all()
    assert sorted(stored) == acked


def test_a_one_megabyte_websocket_frame_is_refused_and_the_chat_goes_on(
        served: str, db: Database, settings: Settings) -> None:
    from desk.models import Message

    widget = _widget(db, settings)
    token = str(_call(served, widget, "start", {"name": "Kim", "email": "kim@example.com"})["token"])
    ticket = _call(served, widget, "messages", {"token": token, "text": "Hi", "id": "y0"})["ticket"]
    with _socket(served, widget, token) as ws:
        ws.send(json.dumps({"type": "message", "text": "x" * 1_000_000, "id": "big"}))
        assert "too long" in _frame(ws, "error")["error"]
        ws.send(json.dumps({"type": "message", "text": "Still here", "id": "y1"}))
        assert _frame(ws, "ack")["id"] == "y1"
    with db.session() as s:
        texts = s.exec(select(Message.text).where(Message.ticket_id == ticket)).all()
    assert sorted(texts) == ["Hi", "Still here"]
