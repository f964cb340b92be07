"""How soon a change reaches a colleague's open ticket page, across two desk serve processes.

Two `desk serve` on one PostgreSQL database (SQLite: one process serves both agents, as
SQLite deployments run). Agent A saves the ticket's priority on process A; agent B's page
holds the live stream (`/agent/live?ticket=N`) open on process B; the time from A's POST
leaving the client to B's stream delivering the notice, over --changes changes (one at a
time). Prints one JSON line.

    .venv/bin/python -m bench.live_update [--backend postgres|sqlite] [--changes 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time

from bench.connection import Connection, hidden_inputs, percentile, run
from bench.dataset import seed
from bench.servers import DeskProcess, desk_env, free_port, run_desk, say, scratch
from desk.db import make_engine

TARGET_MEDIAN_S = 1.0
PASSWORD = "bench-password-1234"


async def _sign_in(port: int, email: str) -> Connection:
    conn = Connection("127.0.0.1", port)
    page = await conn.get("/agent/login")
    fields = hidden_inputs(page.body)
    fields.update(email=email, password=PASSWORD, next="/agent/")
    response = await conn.post_form("/agent/login", fields)
    assert response.status == 303, response.status
    return conn


async def _open_stream(port: int, cookies: dict[str, str], ticket: int
                       ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    writer.write((f"GET /agent/live?ticket={ticket} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  f"Cookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n", 1)[0], head
    return reader, writer


async def _next_update(reader: asyncio.StreamReader) -> None:
    """Until the stream delivers an `updated` notice (chunked framing lines are skipped)."""
    event = b""
    while True:
        line = (await reader.readline()).strip()
        if line.startswith(b"event: "):
            event = line[7:]
        elif line.startswith(b"data: ") and event == b"notice" and b'"updated"' in line:
            return


async def measure(port_a: int, port_b: int, ticket: int, changes: int) -> list[float]:
    agent_a = await _sign_in(port_a, "a@bench.test")
    agent_b = await _sign_in(port_b, "b@bench.test")
    page = await agent_a.get(f"/agent/tickets/{ticket}")
    token = hidden_inputs(page.body)["csrf_token"]
    # From a known priority, so that every timed save below changes it (low, urgent, low...).
    await agent_a.post_form(f"/agent/tickets/{ticket}", {"csrf_token": token, "priority": "normal"})
    reader, writer = await _open_stream(port_b, agent_b.cookies, ticket)
    seconds = []
    for i in range(changes):
        waiting = asyncio.create_task(_next_update(reader))
        started = time.perf_counter()
        response = await agent_a.post_form(f"/agent/tickets/{ticket}", {
            "csrf_token": token, "priority": ("low", "urgent")[i % 2]})
        assert response.status == 303, (response.status, response.body[:300])
        await asyncio.wait_for(waiting, 10)
        seconds.append(time.perf_counter() - started)
    writer.close()
    agent_a.close()
    agent_b.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args(argv)
    with scratch(args.backend, "desk-bench-live-") as where:
        env = desk_env(where.folder, where.pg.url if where.pg else None)
        run_desk(["migrate"], env)
        engine = make_engine(where.database_url)
        seed(engine, 20)
        engine.dispose()
        for email, name in (("a@bench.test", "Agent A"), ("b@bench.test", "Agent B")):
            run_desk(["user", "add", email, "--name", name, "--role", "admin",
                      "--password", PASSWORD], env)
        servers = [DeskProcess.serve(env, where.folder, free_port())]
        if args.backend == "postgres":
            servers.append(DeskProcess.serve(env, where.folder, free_port()))
        try:
            for server in servers:
                server.wait_healthy()
                server.wait_idle()
            ports = [s.port for s in servers if s.port is not None]
            say(f"{args.changes} changes on :{ports[0]}, watched on :{ports[-1]}")
            seconds = run(measure(ports[0], ports[-1], 1, args.changes))
            assert isinstance(seconds, list)
        finally:
            for server in servers:
                server.stop()
    print(json.dumps({
        "bench": "live_update",
        "backend": args.backend,
        "processes": 2 if args.backend == "postgres" else 1,
        "changes": len(seconds),
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(percentile(seconds, 95) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
        "target_median_ms": TARGET_MEDIAN_S * 1000,
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
