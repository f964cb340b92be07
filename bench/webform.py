"""Web form: submissions per second from concurrent browsers, and none lost.

Each simulated browser loads the form (GET /requests/new), then submits it (POST
/requests, urlencoded name, email, subject, message, the hidden fields the page
carries and the honeypot ``website`` left empty), over one keep-alive connection,
as fast as the server answers. Afterwards every accepted submission must be a row
in the ``ticket`` table.

    .venv/bin/python -m bench.webform --duration 30 --clients 50 --backend sqlite

Prints one JSON line on stdout; progress goes to stderr. Not a test: it never fails
on a slow figure, it reports it.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: import bench.* from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.connection import Connection, Response, hidden_inputs, percentile, run
from bench.pyspy import PySpy
from bench.servers import (
    REDIS_SERVER,
    DeskProcess,
    PostgresDatabase,
    busy_percent,
    desk_env,
    flush_redis,
    free_port,
    machine_ticks,
    run_desk,
    say,
    sqlite_rows,
)

TARGET_PER_S = 1000
# Reference points, measured on the same kind of machine (see bench/README.md).
DJANGO_HELPDESK_PER_S = 32
BARE_STARLETTE_PER_S = 2900
MESSAGE = (
    "Hello, since this morning the printer on the third floor shows 'paper jam' although "
    "there is no paper inside. We switched it off and on again, opened every tray and "
    "removed the toner. The display still says the same. Could someone come and look at "
    "it? Twelve people print their invoices there before the end of the month.\n\nThanks"
)


@dataclass
class Tally:
    attempted: int = 0
    accepted: int = 0
    in_window: int = 0  # accepted submissions whose POST finished inside the timed window
    ambiguous: int = 0  # POST sent but no answer read: the ticket may or may not exist
    errors: Counter[str] = field(default_factory=Counter)
    post_seconds: list[float] = field(default_factory=list)
    get_seconds: list[float] = field(default_factory=list)


def is_accepted(response: Response) -> bool:
    """Desk answers a stored request with 303 to the request's own page.

    A 200 is the form again or the page shown to robots (nothing stored): not accepted.
    """
    return response.status == 303 and response.headers.get("location", "").startswith(
        ("/requests/", "http"))


# Encoded once: quoting the long message on every submission cost the client more CPU
# than everything else it does.
_MESSAGE_FIELD = urlencode({"message": MESSAGE}).encode()


def form_body(page: bytes, client: int, n: int) -> bytes:
    """The urlencoded body a browser sends: the page's hidden fields plus what was typed."""
    fields = hidden_inputs(page)
    # Each browser writes as one of 20 addresses of its own: customers come back, and no
    # two browsers race to create the same customer.
    fields.update(
        name=f"Bench Customer {client}.{n % 20}",
        email=f"bench{client}.{n % 20}@example.com",
        subject=f"Printer on floor {n % 7} shows a paper jam ({client}-{n})",
        website="",
    )
    fields.pop("message", None)
    return urlencode(fields).encode() + b"&" + _MESSAGE_FIELD


BOUNDARY = "----DeskBenchBoundary7MA4YWxkTrZu0gW"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
_EMPTY_FILE = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
               f'filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n').encode()


def _part(name: str, value: str) -> bytes:
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n").encode()


def multipart_body(page: bytes, client: int, n: int) -> bytes:
    """What a browser sends for the form as Desk renders it (enctype multipart/form-data,
    an empty file input): the page's fields in document order."""
    hidden = hidden_inputs(page)
    hidden.pop("website", None)
    parts = [_part(k, v) for k, v in hidden.items()]
    parts += [
        _part("name", f"Bench Customer {client}.{n % 20}"),
        _part("email", f"bench{client}.{n % 20}@example.com"),
        _part("subject", f"Printer on floor {n % 7} shows a paper jam ({client}-{n})"),
        _part("message", MESSAGE.replace("\n", "\r\n")),
        _EMPTY_FILE,
        _part("website", ""),
        f"--{BOUNDARY}--\r\n".encode(),
    ]
    return b"".join(parts)


async def browser(client: int, port: int, tally: Tally, window: tuple[float, float],
                  follow: bool, multipart: bool = False) -> None:
    conn = Connection("127.0.0.1", port)
    n = 0
    start, end = window
    while time.perf_counter() < end:
        n += 1
        try:
            page = await conn.get("/requests/new")
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            tally.errors[f"GET {type(exc).__name__}"] += 1
            await asyncio.sleep(0.01)
            continue
        tally.get_seconds.append(page.seconds)
        if page.status != 200:
            tally.errors[f"GET {page.status}"] += 1
            await asyncio.sleep(0.01)
            continue
        tally.attempted += 1
        try:
            if multipart:
                answer = await conn.request("POST", "/requests",
                                            multipart_body(page.body, client, n), MULTIPART)
            else:
                answer = await conn.post("/requests", form_body(page.body, client, n))
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            tally.ambiguous += 1
            tally.errors[f"POST {type(exc).__name__}"] += 1
            continue
        tally.post_seconds.append(answer.seconds)
        if not is_accepted(answer):
            tally.errors[f"POST {answer.status}"] += 1
            continue
        tally.accepted += 1
        if start <= time.perf_counter() <= end:
            tally.in_window += 1
        if follow and answer.status == 303 and answer.headers.get("location"):
            location = answer.headers["location"].split("://", 1)[-1]
            path = location[location.find("/"):] if "://" in answer.headers["location"] \
                else location
            try:
                thanks = await conn.get(path)
                if thanks.status != 200:
                    tally.errors[f"GET thanks {thanks.status}"] += 1
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                tally.errors[f"GET thanks {type(exc).__name__}"] += 1


@dataclass
class Usage:
    """CPU used during the timed window by the client, the servers and the machine."""

    client_s: float = 0.0
    servers_s: float = 0.0
    worker_s: float = 0.0
    machine_busy_pct: float = 0.0


async def load(ports: list[int], clients: int, duration: float, warmup: float, follow: bool,
               multipart: bool, servers: list[DeskProcess], worker: DeskProcess | None,
               spy: PySpy | None) -> tuple[Tally, Usage]:
    tally = Tally()
    start = time.perf_counter() + warmup
    end = start + duration
    tasks = [asyncio.create_task(browser(i, ports[i % len(ports)], tally, (start, end), follow,
                                         multipart))
             for i in range(clients)]
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    say(f"warm-up done ({tally.accepted} accepted); timing {duration:.0f}s")
    if spy is not None:
        spy.start(duration)
    before = (time.process_time(), sum(s.cpu_seconds() for s in servers),
              worker.cpu_seconds() if worker else 0.0, machine_ticks())
    await asyncio.sleep(max(0.0, end - time.perf_counter()))
    after = (time.process_time(), sum(s.cpu_seconds() for s in servers),
             worker.cpu_seconds() if worker else 0.0, machine_ticks())
    await asyncio.gather(*tasks)
    usage = Usage(after[0] - before[0], after[1] - before[1], after[2] - before[2],
                  busy_percent(before[3], after[3]))
    return tally, usage


def database_rows(data_dir: Path, pg: PostgresDatabase | None,
                  sql: str) -> list[tuple[object, ...]]:
    return pg.rows(sql) if pg is not None else sqlite_rows(data_dir, sql)


def count_tickets(data_dir: Path, pg: PostgresDatabase | None) -> int:
    return int(str(database_rows(data_dir, pg, "SELECT count(*) FROM ticket")[0][0]))


def job_counts(data_dir: Path, pg: PostgresDatabase | None) -> dict[str, int]:
    """Job rows by status: what the job runner or arq worker still owes after the load."""
    rows = database_rows(data_dir, pg, "SELECT status, count(*) FROM job GROUP BY status")
    return {str(status): int(str(n)) for status, n in rows}


def wait_for_tickets(expected: int, count: Callable[[], int], timeout: float = 30.0) -> float:
    """Seconds until the ticket count reaches ``expected`` or stops moving (jobs may lag)."""
    started = time.monotonic()
    last, still_since = -1, started
    while time.monotonic() - started < timeout:
        now_count = count()
        if now_count >= expected:
            break
        if now_count != last:
            last, still_since = now_count, time.monotonic()
        elif time.monotonic() - still_since > 3:
            break
        time.sleep(0.2)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=30.0, help="timed seconds (30)")
    p.add_argument("--clients", type=int, default=50, help="concurrent browsers (50)")
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--server", choices=["desk", "stub"], default="desk",
                   help="stub: bench/stub_app.py, a bare Starlette form without a database")
    p.add_argument("--warmup", type=float, default=2.0,
                   help="seconds of load before the timing (counted in 'lost', not in the rate)")
    p.add_argument("--follow-redirect", action="store_true",
                   help="also GET the thank-you page after a 303, as a browser does")
    p.add_argument("--multipart", action="store_true",
                   help="send multipart/form-data with an empty file part, as a browser does "
                        "for Desk's form (its enctype); default: urlencoded")
    p.add_argument("--servers", type=int, default=0,
                   help="desk serve processes (default: 1 on sqlite, 2 on postgres)")
    p.add_argument("--redis-db", type=int, default=9, help="Redis db for --backend postgres (9)")
    p.add_argument("--py-spy", metavar="DIR",
                   help="profile the (first) desk serve during the timed window; raw stacks in DIR")
    args = p.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="desk-bench-webform-"))
    pg: PostgresDatabase | None = None
    redis_url = None
    procs: list[DeskProcess] = []
    worker: DeskProcess | None = None
    try:
        if args.backend == "postgres":
            pg = PostgresDatabase()
            redis_url = f"{REDIS_SERVER}/{args.redis_db}"
            flush_redis(redis_url)
            say(f"database {pg.name}, redis db {args.redis_db}")
        env = desk_env(tmp, pg.url if pg else None, redis_url,
                       DESK_FORM_RATE_LIMIT="100000000")
        if args.server == "stub":
            procs.append(DeskProcess.stub(env, tmp, free_port()))
        else:
            run_desk(["migrate"], env)
            for _ in range(args.servers or (2 if pg else 1)):
                procs.append(DeskProcess.serve(env, tmp, free_port()))
        if pg and args.server == "desk":
            worker = DeskProcess.worker(env, tmp)
        for proc in procs:
            proc.wait_healthy()
        ports = [proc.port for proc in procs if proc.port]
        say(f"desk serve on {ports}; {args.clients} browsers for {args.duration:.0f}s")
        spy = PySpy(procs[0].pid, Path(args.py_spy)) if args.py_spy else None
        tally, usage = run(load(ports, args.clients, args.duration, args.warmup,  # type: ignore[misc]
                                args.follow_redirect, args.multipart, procs, worker, spy))
        say(f"accepted {tally.accepted}; waiting for the tickets")
        def tickets_now() -> int:
            return 0 if args.server == "stub" else count_tickets(tmp, pg)

        drain_s = 0.0 if args.server == "stub" else wait_for_tickets(tally.accepted, tickets_now)
        for proc in procs:
            proc.stop()
        if worker:
            worker.stop()
        tickets = tickets_now()
        jobs = {} if args.server == "stub" else job_counts(tmp, pg)
        if spy is not None:
            spy.report()
        result = {
            "bench": "webform" if args.server == "desk" else "webform-stub",
            "backend": args.backend,
            "servers": len(procs),
            "clients": args.clients,
            "encoding": "multipart" if args.multipart else "urlencoded",
            "duration_s": args.duration,
            "submissions_per_s": round(tally.in_window / args.duration, 1),
            "attempted": tally.attempted,
            "accepted": tally.accepted,
            "tickets": None if args.server == "stub" else tickets,
            "lost": None if args.server == "stub" else tally.accepted - tickets,
            "ambiguous": tally.ambiguous,
            "errors": dict(tally.errors),
            "get_ms_p50": round(percentile(tally.get_seconds, 50) * 1000, 1),
            "post_ms_p50": round(percentile(tally.post_seconds, 50) * 1000, 1),
            "post_ms_p95": round(percentile(tally.post_seconds, 95) * 1000, 1),
            "post_ms_p99": round(percentile(tally.post_seconds, 99) * 1000, 1),
            "drain_s": round(drain_s, 1),
            "jobs": jobs,
            "cpu_s": {"client": round(usage.client_s, 1), "servers": round(usage.servers_s, 1),
                      "worker": round(usage.worker_s, 1)},
            "machine_busy_pct": usage.machine_busy_pct,
            "target_per_s": TARGET_PER_S,
            "django_helpdesk_per_s": DJANGO_HELPDESK_PER_S,
            "bare_starlette_per_s": BARE_STARLETTE_PER_S,
        }
        print(json.dumps(result), flush=True)
        return 0
    finally:
        for proc in procs:
            proc.stop()
        if worker:
            worker.stop()
        if pg is not None:
            pg.drop()
        if redis_url:
            flush_redis(redis_url)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
