"""Live chat under load on one desk serve: message latency from a visitor's POST to the
agent's open queue page, with many chats open at once; and how many open chat streams one
process holds, at what memory.

Each visitor starts a chat (name, email, first message: a ticket), keeps its widget's
stream open, and writes again every --interval seconds (with jitter): with `--transport
websocket` (the widget's first choice) over one WebSocket (`/chat/w/KEY/socket`: a message
frame, answered by an ack once stored), with `--transport sse` (the fallback, the default)
on `/chat/w/KEY/stream` with a POST per message; one agent keeps the queue page's live
stream open (`/agent/live?queue=1`). The latency of a message is from its frame or POST
leaving the client to the agent's stream delivering the notice of it. Visitors come from
distinct addresses (X-Forwarded-For through --forwarded-allow-ips), as behind a proxy.
Prints one JSON line; the client's own CPU is in it beside the server's, so a reader can
see the client did not starve the server.

    .venv/bin/python -m bench.chat_latency [--chats 500] [--seconds 60] [--idle 2000]
        [--transport sse|websocket]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import sys
import time
from typing import Any

from bench.connection import Connection, hidden_inputs, percentile, run
from bench.servers import DeskProcess, desk_env, free_port, run_desk, say, scratch
from desk.actions.audit import SYSTEM
from desk.actions.chat.widgets import WidgetForm, save_widget
from desk.db import Database
from desk.settings import load_settings

TARGET_MEDIAN_MS = 100.0
TARGET_P99_MS = 500.0
TARGET_STREAMS = 2000
TARGET_RSS_MB = 400.0
PASSWORD = "bench-password-1234"
ORIGIN = "https://shop.bench.example"


async def _sign_in(port: int) -> Connection:
    conn = Connection("127.0.0.1", port)
    fields = hidden_inputs((await conn.get("/agent/login")).body)
    fields.update(email="agent@bench.test", password=PASSWORD, next="/agent/")
    assert (await conn.post_form("/agent/login", fields)).status == 303
    return conn


async def _open_stream(port: int, path: str, headers: dict[str, str]
                       ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n", 1)[0], head[:200]
    return reader, writer


class Visitor:
    def __init__(self, port: int, key: str, number: int, transport: str = "sse") -> None:
        self.key, self.number, self.transport = key, number, transport
        address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        self.headers = {"Origin": ORIGIN, "X-Forwarded-For": address}
        self.conn = Connection("127.0.0.1", port, headers=self.headers)
        self.port = port
        self.token = ""
        self.ticket = 0
        self.sent = 0
        self.stream: asyncio.StreamWriter | None = None
        self.socket: Any = None  # the open WebSocket (--transport websocket)
        self.acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.opened = asyncio.Event()  # its stream (or socket) answers: the chat is open

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(body).encode()
        try:
            response = await self.conn.request("POST", f"/chat/w/{self.key}/{path}", payload,
                                               "text/plain")
        except (asyncio.IncompleteReadError, ConnectionError):
            # The server closed the idle keep-alive connection (uvicorn: after 5 s): again
            # on a new one, as a browser does.
            response = await self.conn.request("POST", f"/chat/w/{self.key}/{path}", payload,
                                               "text/plain")
        assert response.status == 200, (response.status, response.body[:200])
        data: dict[str, Any] = json.loads(response.body)
        return data

    async def start(self) -> None:
        opened = await self.call("start", {"name": f"Visitor {self.number}",
                                           "email": f"v{self.number}@bench.example"})
        self.token = opened["token"]
        self.ticket = int((await self.say("Hello, is anyone there?"))["ticket"])

    async def say(self, text: str) -> dict[str, Any]:
        self.sent += 1
        client_id = f"m{self.sent}"
        if self.socket is None:  # the first message (the socket needs a ticket), or SSE
            return await self.call("messages", {"token": self.token, "text": text,
                                                "id": client_id})
        acked = self.acks[client_id] = asyncio.get_running_loop().create_future()
        await self.socket.send(json.dumps({"type": "message", "text": text, "id": client_id}))
        frame = await acked
        assert frame["type"] == "ack", frame
        return frame

    async def listen(self) -> None:
        if self.transport == "websocket":
            await self._listen_socket()
            return
        reader, self.stream = await _open_stream(
            self.port, f"/chat/w/{self.key}/stream?token={self.token}", self.headers)
        while line := await reader.readline():
            if line.startswith(b"event: "):  # the first event (its messages so far): open
                self.opened.set()

    async def _listen_socket(self) -> None:
        from websockets.asyncio.client import connect

        url = f"ws://127.0.0.1:{self.port}/chat/w/{self.key}/socket?token={self.token}"
        async with connect(url, additional_headers=self.headers, max_queue=None,
                           open_timeout=60) as socket:
            self.socket = socket
            async for raw in socket:
                self.opened.set()
                frame = json.loads(raw)
                if frame["type"] in ("ack", "error") and frame.get("id") in self.acks:
                    self.acks.pop(frame["id"]).set_result(frame)


async def _agent_notices(reader: asyncio.StreamReader, waiting: dict[int, float],
                         latencies: list[float]) -> None:
    event = b""
    while True:
        line = (await reader.readline()).strip()
        if not line and reader.at_eof():
            return
        if line.startswith(b"event: "):
            event = line[7:]
        elif line.startswith(b"data: ") and event == b"notice":
            notice = json.loads(line[6:])
            started = waiting.pop(notice.get("ticket"), None)
            if started is not None and notice.get("kind") == "message":
                latencies.append(time.perf_counter() - started)


async def measure(port: int, key: str, chats: int, seconds: float, interval: float,
                  idle: int, transport: str = "sse") -> dict[str, Any]:
    agent = await _sign_in(port)
    visitors = [Visitor(port, key, i, transport) for i in range(chats + idle)]
    for start in range(0, len(visitors), 50):  # opened in waves: start-up is not measured
        await asyncio.gather(*(v.start() for v in visitors[start:start + 50]))
    say(f"{len(visitors)} chats open")
    listeners = [asyncio.create_task(v.listen()) for v in visitors]
    # Measured once every stream is open and has said its first event: the figure is the
    # latency with 2,000 chats open, not while 2,000 open at once (a reconnect storm).
    await asyncio.wait_for(asyncio.gather(*(v.opened.wait() for v in visitors)), 120)
    say("every stream open")
    await asyncio.sleep(2)
    # The agent opens the queue now (a page open during the 2,000 starts would have fallen
    # behind and been told to reload).
    cookie = "; ".join(f"{k}={v}" for k, v in agent.cookies.items())
    reader, agent_writer = await _open_stream(port, "/agent/live?queue=1", {"Cookie": cookie})
    waiting: dict[int, float] = {}
    latencies: list[float] = []
    collector = asyncio.create_task(_agent_notices(reader, waiting, latencies))
    ends = time.monotonic() + seconds
    rng = random.Random(5)

    async def chat(visitor: Visitor) -> None:
        await asyncio.sleep(rng.uniform(0, interval))
        while time.monotonic() < ends:
            waiting[visitor.ticket] = time.perf_counter()
            await visitor.say(f"Message {visitor.sent} about order {visitor.number}")
            await asyncio.sleep(interval * rng.uniform(0.8, 1.2))

    await asyncio.gather(*(chat(v) for v in visitors[:chats]))
    await asyncio.sleep(1)
    sent = sum(v.sent - 1 for v in visitors[:chats])
    collector.cancel()
    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)  # WebSockets close here
    for v in visitors:
        if v.stream:
            v.stream.close()
        v.conn.close()
    agent_writer.close()
    agent.close()
    return {"sent": sent, "latencies": latencies}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--chats", type=int, default=500, help="chats writing")
    parser.add_argument("--idle", type=int, default=1500,
                        help="more chats with their stream open, not writing")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=5.0,
                        help="seconds between one visitor's messages")
    parser.add_argument("--transport", choices=("sse", "websocket"), default="sse",
                        help="the widget's WebSocket, or its fallback: server-sent events "
                             "and a POST per message")
    args = parser.parse_args(argv)
    # Thousands of open streams: this process and the server (which inherits it) need the
    # descriptors.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with scratch(args.backend, "desk-bench-chat-") as where:
        env = desk_env(where.folder, where.pg.url if where.pg else None)
        run_desk(["migrate"], env)
        run_desk(["user", "add", "agent@bench.test", "--name", "Bench Agent", "--role", "admin",
                  "--password", PASSWORD], env)
        db = Database(load_settings(env))
        with db.session() as session:
            widget = save_widget(session, SYSTEM, str(db.settings.secret_key), None,
                                 WidgetForm(name="Bench", origins=ORIGIN, ask_email="never"))
            assert widget is not None
            key = widget.key
        db.dispose()
        port = free_port()
        server = DeskProcess(["serve", "--host", "127.0.0.1", "--port", str(port),
                              "--forwarded-allow-ips", "127.0.0.1"], env,
                             where.folder / "serve.log", port)
        try:
            server.wait_healthy()
            server.wait_idle()
            cpu_server = server.cpu_seconds()
            cpu_client = resource.getrusage(resource.RUSAGE_SELF)
            result = run(measure(port, key, args.chats, args.seconds, args.interval, args.idle,
                                 args.transport))
            assert isinstance(result, dict)
            used = resource.getrusage(resource.RUSAGE_SELF)
            client_cpu = (used.ru_utime + used.ru_stime) - (cpu_client.ru_utime + cpu_client.ru_stime)
            server_cpu = server.cpu_seconds() - cpu_server
            rss = server.status_kb("VmHWM") / 1024
        finally:
            server.stop()
    latencies: list[float] = result["latencies"]
    print(json.dumps({
        "bench": "chat_latency",
        "backend": args.backend,
        "transport": args.transport,
        "chats_writing": args.chats,
        "streams_open": args.chats + args.idle + 1,
        "messages_sent": result["sent"],
        "messages_seen_by_agent": len(latencies),
        "median_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99) * 1000, 1) if latencies else None,
        "server_peak_rss_mb": round(rss, 1),
        "server_cpu_s": round(server_cpu, 1),
        "client_cpu_s": round(client_cpu, 1),
        "target_median_ms": TARGET_MEDIAN_MS, "target_p99_ms": TARGET_P99_MS,
        "target_streams": TARGET_STREAMS, "target_rss_mb": TARGET_RSS_MB,
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
