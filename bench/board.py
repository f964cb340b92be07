"""Board page: server time of the kanban board of 'all open' with 100,000 open tickets.

Seeds a desk of --tickets tickets (bench/dataset.py; most solved or closed long ago), then
turns the newest --open of them into open work (new, open and on hold, as the dataset mixes
them, plus pending beside), gives each open ticket an SLA clock, signs a supervisor in
through the real login form and asks for GET /agent/board?view=all_open --requests times,
one after the other: six columns of 25 cards, each with its count (capped at 10,000),
customer and tier, assignee and due time. The server's own time comes from its
``Server-Timing: app;dur=<ms>`` header; the client round trip is measured too.

    .venv/bin/python -m bench.board --tickets 300000 --open 100000 --backend postgres

Prints one JSON line on stdout; progress goes to stderr. Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, text

from bench.connection import Connection, percentile, run
from bench.dataset import analyze, seed
from bench.queue import EMAIL, PASSWORD, sign_in
from bench.servers import DeskProcess, desk_env, free_port, run_desk, say, scratch
from desk.db import make_engine
from desk.models import SlaPolicy, TicketSla

TARGET_P95_MS = 100
PATH = "/agent/board?view=all_open"
# Of the open work: the board's New, Open and On hold columns, and Pending beside them.
OPEN_MIX = ("open", "open", "open", "new", "on_hold", "pending")


@dataclass
class Timings:
    server_ms: list[float] = field(default_factory=list)
    roundtrip_ms: list[float] = field(default_factory=list)
    cards: int = 0


def make_open(engine: Engine, open_tickets: int) -> int:
    """The newest ``open_tickets`` tickets set to open work, each with an SLA clock; returns
    how many tickets are open (new, open, on hold) afterwards."""
    started = datetime.now(UTC)
    with engine.begin() as conn:
        newest = conn.execute(text("SELECT id FROM ticket ORDER BY id DESC LIMIT :n"),
                              {"n": open_tickets}).scalars().all()
        for status in set(OPEN_MIX):
            ids = [i for i in newest if OPEN_MIX[i % len(OPEN_MIX)] == status]
            for start in range(0, len(ids), 5000):
                chunk = ids[start:start + 5000]
                conn.execute(text(f"UPDATE ticket SET status = '{status}', solved_at = NULL "
                                  f"WHERE id IN ({', '.join(map(str, chunk))})"))
        policy = conn.execute(insert(SlaPolicy.__table__).values(  # type: ignore[attr-defined]
            name="Bench", is_default=True, zone="UTC", country="", hours="", closed="[]",
            targets="{}")).inserted_primary_key[0]
        clocks = [{"ticket_id": i, "policy_id": policy,
                   "first_response_due_at": started + timedelta(hours=(i % 48) - 12),
                   "resolution_due_at": started + timedelta(hours=(i % 96) - 24),
                   "paused_at": None, "first_response_met": None, "resolution_met": None}
                  for i in newest]
        for start in range(0, len(clocks), 5000):
            conn.execute(insert(TicketSla.__table__), clocks[start:start + 5000])  # type: ignore[attr-defined]
        counted: int = conn.execute(text(
            "SELECT count(*) FROM ticket WHERE status IN ('new', 'open', 'on_hold')")).scalar_one()
    return counted


async def measure(port: int, requests: int, warmup: int) -> Timings:
    conn = Connection("127.0.0.1", port)
    await sign_in(conn)
    timings = Timings()
    for i in range(warmup + requests):
        page = await conn.get(PATH)
        if page.status != 200:
            raise SystemExit(f"GET {PATH} answered {page.status}: {page.body[:300]!r}")
        if i < warmup:
            continue
        timings.cards = page.body.count(b'<li class="card"')
        timings.server_ms.append(page.server_ms or 0.0)
        timings.roundtrip_ms.append(page.seconds * 1000)
    conn.close()
    return timings


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=300_000, help="tickets to seed (300000)")
    p.add_argument("--open", type=int, default=120_000,
                   help="newest tickets turned into open work, pending included (120000: "
                        "100,000 new, open or on hold)")
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--requests", type=int, default=200, help="timed requests (200)")
    p.add_argument("--warmup", type=int, default=10, help="untimed requests first (10)")
    args = p.parse_args(argv)

    server: DeskProcess | None = None
    with scratch(args.backend, "desk-bench-board-") as where:
        try:
            env = desk_env(where.folder, where.pg.url if where.pg else None)
            run_desk(["migrate"], env)
            engine = make_engine(where.database_url)
            say(f"seeding {args.tickets} tickets on {args.backend}")
            seeded = seed(engine, args.tickets, progress=say)
            started = time.monotonic()
            open_tickets = make_open(engine, min(args.open, args.tickets))
            say(f"{open_tickets} open tickets with SLA clocks in {time.monotonic() - started:.1f}s")
            analyze(engine)
            engine.dispose()
            run_desk(["user", "add", EMAIL, "--name", "Bench Supervisor", "--role", "supervisor",
                      "--password", PASSWORD], env)
            server = DeskProcess.serve(env, where.folder, free_port())
            server.wait_healthy()
            server.wait_idle()  # start-up work (jieba, the KB index check) is not the board's time
            assert server.port is not None
            say(f"desk serve on {server.port}; {args.requests} requests of {PATH}")
            result = run(measure(server.port, args.requests, args.warmup))
            assert isinstance(result, Timings)
            out = {
                "bench": "board",
                "backend": args.backend,
                "tickets": args.tickets,
                "open_tickets": open_tickets,
                "requests": args.requests,
                "cards_on_page": result.cards,
                "server_ms_p50": round(percentile(result.server_ms, 50), 1),
                "server_ms_p95": round(percentile(result.server_ms, 95), 1),
                "roundtrip_ms_p50": round(percentile(result.roundtrip_ms, 50), 1),
                "roundtrip_ms_p95": round(percentile(result.roundtrip_ms, 95), 1),
                "seed_s": round(seeded.seconds, 1),
                "target_p95_ms": TARGET_P95_MS,
            }
            print(json.dumps(out), flush=True)
            return 0
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    sys.exit(main())
