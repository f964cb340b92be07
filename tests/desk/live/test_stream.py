"""Open agent pages hear changes and each other through `desk serve`'s event stream:
a real server on a free port, real HTTP, two signed-in agents."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookiejar import CookieJar

import pytest
import uvicorn

from channels.message import Identity, InboundMessage, ThreadKeys
from desk.actions.ingest.one import ingest_message
from desk.app import create_app
from desk.db import Database, commit
from desk.models import User
from desk.settings import Settings
from tests.conftest import PASSWORD

WAIT = 10.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Running:
    url: str
    server: uvicorn.Server
    thread: threading.Thread


def _serve(settings: Settings, db: Database) -> Running:
    port = _free_port()
    config = uvicorn.Config(create_app(settings, db, run_jobs=False), host="127.0.0.1",
                            port=port, log_config=None, access_log=False,
                            timeout_graceful_shutdown=1, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:
        assert time.monotonic() < deadline, "desk did not start"
        time.sleep(0.02)
    return Running(f"http://127.0.0.1:{port}", server, thread)


def _stop(running: Running) -> None:
    running.server.should_exit = True
    running.thread.join(WAIT)


@pytest.fixture
def served(settings: Settings, db: Database) -> Iterator[str]:
    running = _serve(settings, db)
    yield running.url
    _stop(running)


class Agent:
    """A signed-in browser, minus the browser."""

    def __init__(self, base: str, user: User) -> None:
        self.base, self.user = base, user
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        token = self.csrf("/agent/login")
        self.post("/agent/login", {"email": user.email, "password": PASSWORD, "next": "/agent/"},
                  token)

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=WAIT) as response:
            return str(response.read().decode())

    def csrf(self, path: str) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.get(path))
        assert found
        return found.group(1)

    def post(self, path: str, data: dict[str, str], token: str) -> int:
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        with self.opener.open(self.base + path, body, timeout=WAIT) as response:
            return int(response.status)

    def cookie(self) -> str:
        jar = next(h for h in self.opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor))
        return "; ".join(f"{c.name}={c.value}" for c in jar.cookiejar)


class Stream:
    """An open `/agent/live` stream, read event by event."""

    def __init__(self, agent: Agent, query: str) -> None:
        host = urllib.parse.urlsplit(agent.base)
        self.conn = http.client.HTTPConnection(host.hostname, host.port, timeout=WAIT)
        self.conn.request("GET", f"/agent/live?{query}", headers={"Cookie": agent.cookie()})
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.headers["content-type"].startswith("text/event-stream")

    def next(self, name: str, match: object = None) -> object:
        """The data of the next `name` event (whose data satisfies `match` if given)."""
        deadline = time.monotonic() + WAIT
        event, data = "", ""
        while time.monotonic() < deadline:
            line = self.response.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "" and event:
                value = json.loads(data)
                if event == name and (match is None or match(value)):  # type: ignore[operator]
                    return value
                event, data = "", ""
        raise AssertionError(f"no {name} event in {WAIT} s")

    def close(self) -> None:
        self.conn.close()


def _ticket(db: Database, settings: Settings) -> int:
    with db.session() as s:
        ticket, _ = ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), "Printer offline", "It is off."))
        commit(s)
        assert ticket.id is not None
        return ticket.id


def test_a_reply_and_a_property_change_reach_a_colleague_on_the_ticket_page(
        served: str, db: Database, settings: Settings, make_user) -> None:  # type: ignore[no-untyped-def]
    number = _ticket(db, settings)
    ana = Agent(served, make_user("agent", name="Ana"))
    wang = Agent(served, make_user("agent", name="王丽"))
    stream = Stream(wang, f"ticket={number}")
    try:
        stream.next("presence")
        token = ana.csrf(f"/agent/tickets/{number}")
        ana.post(f"/agent/tickets/{number}/replies", {"text": "We are on it.", "kind": "reply"},
                 token)
        notice = stream.next("notice")
        assert notice == {"topic": f"ticket:{number}", "kind": "message", "ticket": number,
                          "by": ana.user.id, "internal": False}
        ana.post(f"/agent/tickets/{number}", {"status": "open", "priority": "urgent",
                                               "team_id": "", "assignee_id": "", "tags": ""}, token)
        changed = stream.next("notice", lambda n: n["kind"] == "updated")
        assert changed["changes"]["priority"] == ["normal", "urgent"]  # type: ignore[index]
    finally:
        stream.close()


def test_a_message_that_came_while_the_page_loaded_is_announced_when_its_stream_opens(
        served: str, db: Database, settings: Settings, make_user) -> None:  # type: ignore[no-untyped-def]
    number = _ticket(db, settings)
    wang = Agent(served, make_user("agent", name="王丽"))
    page = wang.get(f"/agent/tickets/{number}")
    entry = re.search(r'name="seen_entry" value="(\d+)"', page)
    message = re.search(r'name="seen_message" value="(\d+)"', page)
    assert entry and message
    seen = f"ticket={number}&entry={entry.group(1)}&message={message.group(1)}"
    quiet = Stream(wang, seen)  # nothing new yet: no notice before the next change
    with db.session() as s:  # the customer writes again before the next page's stream opens
        ingest_message(s, settings, InboundMessage(
            "web", Identity("email", "kim@example.com", "Kim"), f"Re: [#{number}] Printer offline",
            "Still off.", thread=ThreadKeys(ticket_number=number)))
        commit(s)
    late = Stream(wang, seen)
    try:
        assert late.next("notice") == {"topic": f"ticket:{number}", "kind": "updated",
                                       "ticket": number, "by": None}
        first = quiet.next("notice")  # the stream that was open heard the reply itself
        assert first["kind"] == "message"  # type: ignore[index]
    finally:
        late.close()
        quiet.close()


def test_a_colleague_is_shown_viewing_then_typing_then_gone(
        served: str, db: Database, settings: Settings, make_user) -> None:  # type: ignore[no-untyped-def]
    number = _ticket(db, settings)
    ana = Agent(served, make_user("agent", name="Ana"))
    wang = Agent(served, make_user("agent", name="王丽"))
    watching = Stream(wang, f"ticket={number}")
    try:
        watching.next("presence")
        ana_page = Stream(ana, f"ticket={number}")
        here = watching.next("presence", lambda v: any(x["name"] == "Ana" for x in v))
        assert {x["name"] for x in here} == {"Ana", "王丽"}  # type: ignore[attr-defined]
        token = ana.csrf(f"/agent/tickets/{number}")
        ana.post("/agent/live/typing", {"ticket": str(number), "state": "typing"}, token)
        watching.next("presence", lambda v: {"user": ana.user.id, "name": "Ana",
                                             "state": "typing"} in v)
        ana_page.close()
        gone = watching.next("presence", lambda v: all(x["name"] != "Ana" for x in v))
        assert [x["name"] for x in gone] == ["王丽"]  # type: ignore[attr-defined]
    finally:
        watching.close()


def test_the_queue_hears_of_new_tickets(served: str, db: Database, settings: Settings,
                                        make_user) -> None:  # type: ignore[no-untyped-def]
    stream = Stream(Agent(served, make_user("agent")), "queue=1")
    try:
        number = _ticket(db, settings)
        assert stream.next("notice", lambda n: n["kind"] == "created")["ticket"] == number  # type: ignore[index]
    finally:
        stream.close()


def test_a_stream_needs_a_signed_in_agent_who_may_see_the_ticket(
        served: str, db: Database, settings: Settings) -> None:
    number = _ticket(db, settings)
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(served).hostname,
                                      urllib.parse.urlsplit(served).port, timeout=WAIT)
    conn.request("GET", f"/agent/live?ticket={number}")
    response = conn.getresponse()
    assert response.status == 303 and "/agent/login" in response.headers["location"]
    conn.close()


def test_with_two_processes_a_change_on_one_reaches_a_page_open_on_the_other(
        settings: Settings, db: Database, make_user) -> None:  # type: ignore[no-untyped-def]
    """Two apps with their own engines and hubs: on PostgreSQL NOTIFY carries the notice."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite serves from one process: nothing travels between processes")
    first = _serve(settings, db)
    second_db = Database(settings)
    second = _serve(settings, second_db)
    try:
        number = _ticket(db, settings)
        ana = Agent(first.url, make_user("agent", name="Ana"))
        wang = Agent(second.url, make_user("agent", name="Wang"))
        stream = Stream(wang, f"ticket={number}")
        stream.next("presence")
        ana.post(f"/agent/tickets/{number}/replies", {"text": "On it.", "kind": "note"},
                 ana.csrf(f"/agent/tickets/{number}"))
        assert stream.next("notice")["internal"] is True  # type: ignore[index]
        stream.close()
    finally:
        _stop(first)
        _stop(second)
        second_db.dispose()
