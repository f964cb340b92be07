"""Limits a visitor cannot talk their way past: typing, read marks and suggestions are
capped like messages (over HTTP and the WebSocket), and with Redis every `desk serve`
process counts together instead of each allowing the whole limit."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.chat.widgets import WidgetForm, save_widget
from desk.db import Database
from desk.live.hub import Hub
from desk.live.notices import ticket_topic
from desk.models import ChatConversation, ChatWidget, Message
from desk.settings import Settings
from desk.web.chat.guard import READS_PER_MINUTE, SUGGESTIONS_PER_MINUTE, TYPING_PER_MINUTE
from tests.conftest import redis_test_url
from tests.desk.chat.test_chat_stream import _call
from tests.desk.live.test_stream import WAIT, Running, _serve, _stop

SITE = "https://shop.example.com"


@pytest.fixture
def widget(db: Database, settings: Settings) -> ChatWidget:
    with db.session() as s:
        saved = save_widget(s, SYSTEM, str(settings.secret_key), None,
                            WidgetForm(name="Shop", origins=SITE))
        assert saved is not None
        return saved


def _post(client: TestClient, widget: ChatWidget, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/chat/w/{widget.key}/{path}", content=json.dumps(body),
                       headers={"Content-Type": "text/plain", "Origin": SITE})


def _chat(client: TestClient, widget: ChatWidget) -> tuple[str, int]:
    token = _post(client, widget, "start", {"name": "Kim", "email": "kim@example.com"}).json()["token"]
    ticket = _post(client, widget, "messages", {"token": token, "text": "Hi", "id": "a0"}).json()["ticket"]
    return token, ticket


@pytest.fixture
def served(settings: Settings, db: Database) -> Iterator[Running]:
    running = _serve(settings, db)
    yield running
    _stop(running)


def test_a_thousand_typing_and_read_frames_on_a_websocket_are_dropped_past_the_limit(
        served: Running, widget: ChatWidget, db: Database) -> None:
    from websockets.sync.client import connect

    token = str(_call(served.url, widget, "start", {"name": "Kim", "email": "kim@example.com"})["token"])
    ticket = int(_call(served.url, widget, "messages", {"token": token, "text": "Hi", "id": "a0"})["ticket"])  # type: ignore[call-overload]
    hub: Hub = served.server.config.app.state.live  # type: ignore[union-attr]
    heard = hub.listen(frozenset({ticket_topic(ticket)}))
    url = served.url.replace("http://", "ws://") + f"/chat/w/{widget.key}/socket?token={token}"
    with connect(url, additional_headers={"Origin": SITE}, open_timeout=WAIT) as ws:
        for _ in range(1000):
            ws.send(json.dumps({"type": "typing", "state": "typing"}))
        for i in range(1, 1001):
            ws.send(json.dumps({"type": "read", "id": i}))
        ws.send(json.dumps({"type": "message", "text": "Still here", "id": "a1"}))
        frames = []
        while not frames or frames[-1]["type"] != "ack":
            frames.append(json.loads(ws.recv(timeout=WAIT)))
    # Frames are handled in order: by the ack every typing and read frame was. None was
    # answered with an error; past the limits they were dropped.
    assert [f for f in frames if f["type"] == "error"] == []
    typing: list[dict[str, Any]] = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(typing) < TYPING_PER_MINUTE:
        time.sleep(0.05)  # on PostgreSQL the notices come back through NOTIFY
        typing += [n for n in _drain(heard.queue) if n["kind"] == "presence"
                   and n.get("state") == "typing"]
    time.sleep(0.3)
    typing += [n for n in _drain(heard.queue) if n["kind"] == "presence"
               and n.get("state") == "typing"]
    hub.leave(heard)
    assert not heard.overflowed and len(typing) == TYPING_PER_MINUTE
    with db.session() as s:
        conversation = s.exec(select(ChatConversation)).one()
        assert conversation.read_message_id == READS_PER_MINUTE  # the last one allowed
        texts = s.exec(select(Message.text).where(Message.ticket_id == ticket)).all()
        assert sorted(texts) == ["Hi", "Still here"]


def _drain(queue: Any) -> Iterator[dict[str, Any]]:
    while not queue.empty():
        yield queue.get_nowait()


def test_typing_read_and_suggestions_over_http_are_refused_past_the_limit(
        client: TestClient, widget: ChatWidget) -> None:
    token, _ticket = _chat(client, widget)
    typing = [_post(client, widget, "typing", {"token": token, "state": "typing"}).status_code
              for _ in range(TYPING_PER_MINUTE + 5)]
    assert typing == [200] * TYPING_PER_MINUTE + [429] * 5
    reads = [_post(client, widget, "read", {"token": token, "id": i}).status_code
             for i in range(1, READS_PER_MINUTE + 3)]
    assert reads == [200] * READS_PER_MINUTE + [429] * 2
    codes = [client.get(f"/chat/w/{widget.key}/suggest", params={"q": f"login {i}"},
                        headers={"Origin": SITE}).status_code
             for i in range(SUGGESTIONS_PER_MINUTE + 2)]
    assert codes == [200] * SUGGESTIONS_PER_MINUTE + [429] * 2


@pytest.fixture
def shared_redis() -> Iterator[str]:
    url = redis_test_url()
    try:
        with redis.Redis.from_url(url) as r:
            r.flushdb()
    except redis.RedisError as exc:  # pragma: no cover - Redis is part of the test setup
        pytest.fail(f"Redis is needed for this test: {exc}")
    yield url


def test_two_desk_processes_sharing_redis_count_one_chats_messages_together(
        app_factory: Any, widget: ChatWidget, shared_redis: str) -> None:
    with TestClient(app_factory(redis_url=shared_redis)) as one, \
            TestClient(app_factory(redis_url=shared_redis)) as two:
        token = _post(one, widget, "start", {"name": "Kim", "email": "kim@example.com"}).json()["token"]
        codes = [_post(c, widget, "messages", {"token": token, "text": f"m{i}", "id": f"m{i}"})
                 .status_code for i in range(5) for c in (one, two)]
    # 5 messages in 5 seconds per chat, whichever process each reached (in memory, each
    # process would have allowed 5 of its own: 10).
    assert codes.count(200) == 5 and codes.count(429) == 5


def test_two_desk_processes_sharing_redis_count_the_request_forms_limit_together(
        app_factory: Any, shared_redis: str) -> None:
    with TestClient(app_factory(redis_url=shared_redis, form_rate_limit=3)) as one, \
            TestClient(app_factory(redis_url=shared_redis, form_rate_limit=3)) as two:
        codes = [c.post("/requests", data={}).status_code for _ in range(3) for c in (one, two)]
    assert codes.count(429) == 3
