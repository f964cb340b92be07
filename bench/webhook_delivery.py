"""Webhook deliveries from `desk serve` to a local receiver: deliveries per second, and the
time from an event to its delivery.

A fresh desk (SQLite, or PostgreSQL with --backend postgres) runs as `desk serve` with its
in-process job runner; one webhook, private networks allowed, subscribes to ticket.created
and points at a receiver: a small asyncio HTTP server in a process of its own (it answers
200 and notes when each delivery arrived; its CPU time is printed beside the server's).
Events come through the real intake: `POST /api/v1/tickets`, one ticket each.

1. Paced: --events tickets at --rate per second; each event's latency is from the moment
   its request is sent to the moment its delivery reaches the receiver.
2. Burst: --burst tickets as fast as --clients clients can create them; deliveries per
   second is the burst's deliveries over the time from its first request to its last arrival
   (the intake, routing rules and SLA clocks of each ticket share the machine with them).
3. Drain: --drain deliveries written at once by the outbox (`record_deliveries`, one
   ticket.created per ticket made so far, in one transaction) and handed to the job runner;
   deliveries per second over the time from that commit to the last arrival: the delivery
   work alone.

With --worker, jobs run in a `desk worker` beside `desk serve` (arq on Redis database 11,
emptied first; up to 20 jobs at once), as a multi-process deployment runs them.

    .venv/bin/python -m bench.webhook_delivery --events 500 --rate 20 --burst 1000
    .venv/bin/python -m bench.webhook_delivery --backend postgres --worker

Prints one JSON line on stdout; progress goes to stderr. Never a pass/fail test.
Target (issue 15): p95 event-to-delivery <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.servers import (
    REDIS_SERVER,
    DeskProcess,
    cpu_seconds,
    desk_env,
    flush_redis,
    free_port,
    say,
    scratch,
)

TARGET_P95 = 1.0
REDIS_URL = f"{REDIS_SERVER}/11"


def receive(port: int, out: Path) -> None:
    """The receiver: answers every POST 200 and writes `<arrival time> <subject>` per delivery."""
    log = open(out, "a", buffering=1)  # noqa: SIM115 - the process's whole life

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                arrived = time.time()
                subject = json.loads(body)["ticket"]["subject"]
                log.write(f"{arrived:.6f} {subject}\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=512)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class Arrivals:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, float]:
        if not self.path.exists():
            return {}
        out: dict[str, float] = {}
        for line in self.path.read_text().splitlines():
            stamp, _, subject = line.partition(" ")
            out.setdefault(subject, float(stamp))
        return out

    def wait_for(self, subjects: list[str], timeout: float) -> dict[str, float]:
        deadline = time.monotonic() + timeout
        while True:
            got = self.read()
            if all(s in got for s in subjects) or time.monotonic() > deadline:
                return got
            time.sleep(0.1)


def setup(env: dict[str, str], receiver_url: str) -> str:
    """An admin's API token, and the webhook (made by the real action); returns the token."""
    import desk.handlers  # noqa: F401 - the actions below may record events
    from desk.actions.audit import SYSTEM
    from desk.actions.users import create_token, create_user
    from desk.actions.webhooks.manage import WebhookForm, create_webhook
    from desk.db import Database, commit
    from desk.settings import load_settings

    db = Database(load_settings(env))
    with db.session() as session:
        admin = create_user(session, SYSTEM, "admin@bench.example", "Bench Admin", "admin", None)
        token = create_token(session, SYSTEM, admin, name="bench")
        commit(session)
        made = create_webhook(session, SYSTEM, env["DESK_SECRET_KEY"], WebhookForm(
            name="bench receiver", url=receiver_url, events=["ticket.created"], allow_private=True))
        assert made is not None
    db.dispose()
    return token


class Client:
    """One keep-alive connection to desk serve's API."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def open_ticket(self, subject: str, n: int) -> None:
        body = json.dumps({"customer": {"email": f"c{n % 500}@bench.example", "name": f"客户 {n % 500}"},
                           "subject": subject, "text": "The printer is on fire."})
        self.conn.request("POST", "/api/v1/tickets", body=body, headers=self.headers)
        response = self.conn.getresponse()
        response.read()
        if response.status != 201:
            raise SystemExit(f"POST /api/v1/tickets answered {response.status}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def paced(port: int, token: str, count: int, rate: float, arrivals: Arrivals) -> dict[str, object]:
    client = Client(port, token)
    sent: dict[str, float] = {}
    start = time.monotonic()
    for i in range(count):
        wait = start + i / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        subject = f"paced-{i}"
        sent[subject] = time.time()
        client.open_ticket(subject, i)
    got = arrivals.wait_for(list(sent), timeout=120)
    latencies = [got[s] - t for s, t in sent.items() if s in got]
    return {"events": count, "rate": rate, "delivered": len(latencies),
            "p50_s": round(percentile(latencies, 50), 3), "p95_s": round(percentile(latencies, 95), 3),
            "max_s": round(max(latencies), 3)}


def burst(port: int, token: str, count: int, clients: int, arrivals: Arrivals) -> dict[str, object]:
    local = threading.local()
    sent: dict[str, float] = {}

    def one(i: int) -> None:
        if not hasattr(local, "client"):
            local.client = Client(port, token)
        subject = f"burst-{i}"
        sent[subject] = time.time()
        local.client.open_ticket(subject, i)

    first = time.time()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(count)))
    intake_s = time.time() - first
    got = arrivals.wait_for(list(sent), timeout=600)
    delivered = [got[s] for s in sent if s in got]
    elapsed = max(delivered) - first
    latencies = [got[s] - t for s, t in sent.items() if s in got]
    return {"events": count, "clients": clients, "delivered": len(delivered),
            "intake_per_second": round(count / intake_s, 1),
            "deliveries_per_second": round(len(delivered) / elapsed, 1),
            "p95_s": round(percentile(latencies, 95), 3)}


def drain(env: dict[str, str], count: int, redis_url: str | None,
          arrivals: Arrivals) -> dict[str, object]:
    """Queue `count` deliveries in one transaction and time them to the receiver."""
    from sqlmodel import col, select

    import desk.handlers  # noqa: F401
    from desk.actions.webhooks.outbox import record_deliveries
    from desk.db import Database
    from desk.events import TicketCreated
    from desk.models import Ticket
    from desk.settings import load_settings

    db = Database(load_settings(env))
    with db.session() as session:
        tickets = list(session.exec(select(Ticket).order_by(col(Ticket.id))))
        events = [TicketCreated(t.id or 0, "api", t.customer_id) for t in tickets]
        events = (events * (count // len(events) + 1))[:count]
        record_deliveries(session, events)
        job_ids: list[int] = session.info.pop("new_jobs", [])
        before = len(arrivals.path.read_text().splitlines())
        session.commit()
    started = time.time()
    if redis_url:
        asyncio.run(_enqueue(redis_url, job_ids))
    db.dispose()
    deadline = time.monotonic() + 600
    while len(lines := arrivals.path.read_text().splitlines()) < before + count:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    last = max(float(line.split(" ", 1)[0]) for line in lines[before:])
    return {"deliveries": len(lines) - before,
            "deliveries_per_second": round((len(lines) - before) / (last - started), 1)}


async def _enqueue(redis_url: str, job_ids: list[int]) -> None:
    """What desk serve's commit does with Redis: each job handed to arq."""
    from arq import create_pool

    from desk.jobs.arq_backend import enqueue_run, redis_settings

    pool = await create_pool(redis_settings(redis_url))
    for job_id in job_ids:
        await enqueue_run(pool, job_id)
    await pool.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--drain", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--worker", action="store_true", help="run jobs in a desk worker (Redis)")
    parser.add_argument("--receiver", nargs=2, metavar=("PORT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        receive(int(args.receiver[0]), Path(args.receiver[1]))
        return

    with scratch(args.backend, "desk-bench-webhooks-") as s:
        redis_url = REDIS_URL if args.worker else None
        if redis_url:
            flush_redis(redis_url)
        env = desk_env(s.folder, s.pg.url if s.pg else None, redis_url, DESK_FORM_RATE_LIMIT="100000")
        receiver_port, desk_port = free_port(), free_port()
        arrivals = Arrivals(s.folder / "arrivals.txt")
        receiver = subprocess.Popen([sys.executable, "-m", "bench.webhook_delivery", "--receiver",
                                     str(receiver_port), str(arrivals.path)])
        server = DeskProcess.serve(env, s.folder, desk_port)
        worker: DeskProcess | None = None
        try:
            server.wait_healthy()  # migrated: the worker may start
            worker = DeskProcess.worker(env, s.folder) if args.worker else None
            server.wait_idle()
            token = setup(env, f"http://127.0.0.1:{receiver_port}/desk-events")
            say(f"paced: {args.events} events at {args.rate}/s")
            started_cpu = [p.cpu_seconds() for p in (server, worker) if p], cpu_seconds(receiver.pid)
            steady = paced(desk_port, token, args.events, args.rate, arrivals)
            say(f"burst: {args.burst} events, {args.clients} clients")
            fast = burst(desk_port, token, args.burst, args.clients, arrivals)
            say(f"drain: {args.drain} deliveries queued at once")
            queued = drain(env, args.drain, redis_url, arrivals)
            print(json.dumps({
                "bench": "webhook_delivery", "backend": args.backend,
                "jobs": "desk worker" if worker else "in-process", "paced": steady, "burst": fast,
                "drain": queued,
                "cpu_s": {"desk": round(sum(p.cpu_seconds() for p in (server, worker) if p)
                                        - sum(started_cpu[0]), 1),
                          "receiver": round(cpu_seconds(receiver.pid) - started_cpu[1], 1)},
                "target_p95_s": TARGET_P95, "met": float(str(steady["p95_s"])) <= TARGET_P95,
            }))
        finally:
            if worker is not None:
                worker.stop()
            server.stop()
            receiver.terminate()
            receiver.wait(10)


if __name__ == "__main__":
    main()
