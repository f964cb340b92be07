"""Queue page: server time of 'all open, 50 rows, by last update, with the view counts'.

Seeds a desk of --tickets tickets (bench/dataset.py) into a fresh database, signs a
supervisor in through the real login form and asks for
GET /agent/?view=all_open&sort=updated --requests times, one after the other. The
server's own time comes from its ``Server-Timing: app;dur=<ms>`` header; the client
round trip is measured too. Afterwards, the RSS of the ``desk serve`` process.

    .venv/bin/python -m bench.queue --tickets 1000000 --backend postgres

(Run it as a module: as a file, bench/queue.py would shadow the standard ``queue``.)
Prints one JSON line on stdout; progress goes to stderr. Never a pass/fail test.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: the stdlib `queue`, not this file, must win
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field

from bench.connection import Connection, hidden_inputs, percentile, run
from bench.dataset import analyze, seed
from bench.pyspy import PySpy
from bench.servers import DeskProcess, PostgresDatabase, desk_env, free_port, run_desk, say
from desk.db import make_engine

TARGET_P95_MS = 50
TARGET_RSS_MB = 250
DJANGO_HELPDESK_MS_AT_100K = 800
EMAIL = "bench-supervisor@example.com"
PASSWORD = "bench-password-123"
PATH = "/agent/?view=all_open&sort=updated"


async def sign_in(conn: Connection) -> None:
    page = await conn.get("/agent/login")
    if page.status != 200:
        raise SystemExit(f"GET /agent/login answered {page.status}")
    fields = hidden_inputs(page.body)
    fields.update(email=EMAIL, password=PASSWORD, next="/agent/")
    answer = await conn.post_form("/agent/login", fields)
    if answer.status != 303 or "desk_session" not in conn.cookies:
        raise SystemExit(f"sign-in failed: {answer.status} {answer.body[:300]!r}")


@dataclass
class Timings:
    server_ms: list[float] = field(default_factory=list)
    roundtrip_ms: list[float] = field(default_factory=list)
    rows: int = 0


async def measure(port: int, requests: int, warmup: int, spy: PySpy | None) -> Timings:
    conn = Connection("127.0.0.1", port)
    await sign_in(conn)
    timings = Timings()
    for i in range(warmup + requests):
        if i == warmup and spy is not None:
            spy.start(600)  # stopped when the requests are done
        page = await conn.get(PATH)
        if page.status != 200:
            raise SystemExit(f"GET {PATH} answered {page.status}: {page.body[:300]!r}")
        if i < warmup:
            continue
        timings.rows = page.body.count(b"<tr data-ticket=")
        timings.server_ms.append(page.server_ms or 0.0)
        timings.roundtrip_ms.append(page.seconds * 1000)
    conn.close()
    if spy is not None:
        spy.stop()
    return timings


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=100_000, help="tickets to seed (100000)")
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--requests", type=int, default=200, help="timed requests (200)")
    p.add_argument("--warmup", type=int, default=10, help="untimed requests first (10)")
    p.add_argument("--no-analyze", action="store_true",
                   help="skip ANALYZE / VACUUM ANALYZE after seeding (planner without statistics)")
    p.add_argument("--py-spy", metavar="DIR",
                   help="profile desk serve during the timed requests; raw stacks in DIR")
    args = p.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="desk-bench-queue-"))
    pg: PostgresDatabase | None = None
    server: DeskProcess | None = None
    try:
        if args.backend == "postgres":
            pg = PostgresDatabase()
            say(f"database {pg.name}")
        env = desk_env(tmp, pg.url if pg else None)
        run_desk(["migrate"], env)
        engine = make_engine(pg.url if pg else f"sqlite:///{tmp / 'desk.db'}")
        say(f"seeding {args.tickets} tickets on {args.backend}")
        seeded = seed(engine, args.tickets, progress=say)
        say(f"seeded {seeded.tickets} tickets ({seeded.open_tickets} open), "
            f"{seeded.customers} customers in {seeded.seconds:.1f}s")
        if not args.no_analyze:
            started = time.monotonic()
            analyze(engine)
            say(f"analyzed in {time.monotonic() - started:.1f}s")
        engine.dispose()
        run_desk(["user", "add", EMAIL, "--name", "Bench Supervisor", "--role", "supervisor",
                  "--password", PASSWORD], env)
        server = DeskProcess.serve(env, tmp, free_port())
        server.wait_healthy()
        assert server.port is not None
        say(f"desk serve on {server.port}; {args.requests} requests of {PATH}")
        spy = PySpy(server.pid, Path(args.py_spy)) if args.py_spy else None
        result = run(measure(server.port, args.requests, args.warmup, spy))
        assert isinstance(result, Timings)
        server_ms, roundtrip_ms = result.server_ms, result.roundtrip_ms
        if spy is not None:
            spy.report()
        out = {
            "bench": "queue",
            "backend": args.backend,
            "tickets": args.tickets,
            "open_tickets": seeded.open_tickets,
            "requests": args.requests,
            "rows_on_page": result.rows,
            "server_ms_p50": round(percentile(server_ms, 50), 1),
            "server_ms_p95": round(percentile(server_ms, 95), 1),
            "roundtrip_ms_p50": round(percentile(roundtrip_ms, 50), 1),
            "roundtrip_ms_p95": round(percentile(roundtrip_ms, 95), 1),
            "rss_mb": round(server.status_kb("VmRSS") / 1024, 1),
            "peak_rss_mb": round(server.status_kb("VmHWM") / 1024, 1),
            "seed_s": round(seeded.seconds, 1),
            "analyzed": not args.no_analyze,
            "target_p95_ms": TARGET_P95_MS,
            "target_rss_mb": TARGET_RSS_MB,
            "django_helpdesk_ms_at_100k": DJANGO_HELPDESK_MS_AT_100K,
        }
        print(json.dumps(out), flush=True)
        return 0
    finally:
        if server is not None:
            server.stop()
        if pg is not None:
            pg.drop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
