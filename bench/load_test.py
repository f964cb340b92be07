"""The desk under a working day's load: 50 agents working the queue and 10 mails a second,
for 10 minutes, on PostgreSQL with two `desk serve`, one `desk worker` (arq on Redis) and
one `desk smtpd` taking the mail.

Each agent signs in on one of the two servers and, with a pause of about --think seconds
between pages, opens the queue, opens a ticket from it, and every fourth time adds an
internal note to it. Mail arrives over SMTP at --mails-per-second, each with its own
Message-ID. Afterwards the run waits for every accepted mail to be ingested and counts them.

    .venv/bin/python -m bench.load_test [--seconds 600] [--agents 50] [--mails-per-second 10]

Prints one JSON line: p50/p95 server time (Server-Timing) and client round trip per page
kind, errors (any answer but 200/303, any connection failure), mails sent, accepted (250)
and stored as messages ("lost" = accepted but not stored), and the CPU seconds of the
client (this process) against the desk's processes. Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

import aiosmtplib

from bench.connection import Connection, hidden_inputs, percentile
from bench.dataset import analyze, seed
from bench.servers import (
    DeskProcess,
    desk_env,
    flush_redis,
    free_port,
    run_desk,
    say,
    scratch,
)
from desk.db import make_engine

PASSWORD = "bench-password-1234"
REDIS_URL = "redis://127.0.0.1:6379/12"
MAILBOX = "support@bench.test"
_TICKET_LINK = re.compile(rb'href="/agent/tickets/(\d+)"')


@dataclass
class Tally:
    server_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    client_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    mails_sent: int = 0
    mails_accepted: int = 0


async def _page(tally: Tally, kind: str, call: asyncio.Future[object] | object) -> object:
    try:
        response = await call  # type: ignore[misc]
    except (OSError, asyncio.IncompleteReadError, ConnectionError) as exc:
        tally.errors[f"{kind}: {type(exc).__name__}"] += 1
        return None
    status = response.status  # type: ignore[attr-defined]
    if status not in (200, 303):
        tally.errors[f"{kind}: {status}"] += 1
    tally.client_ms[kind].append(response.seconds * 1000)  # type: ignore[attr-defined]
    if response.server_ms is not None:  # type: ignore[attr-defined]
        tally.server_ms[kind].append(response.server_ms)  # type: ignore[attr-defined]
    return response


async def _agent(port: int, email: str, until: float, think: float, tally: Tally,
                 rng: random.Random) -> None:
    conn = Connection("127.0.0.1", port)
    login = await conn.get("/agent/login")
    fields = hidden_inputs(login.body)
    fields.update(email=email, password=PASSWORD, next="/agent/")
    signed = await conn.post_form("/agent/login", fields)
    assert signed.status == 303, (email, signed.status)
    turn = 0
    await asyncio.sleep(rng.uniform(0, think))
    while time.monotonic() < until:
        queue = await _page(tally, "queue", conn.get("/agent/?view=all_open"))
        numbers = _TICKET_LINK.findall(queue.body) if queue is not None else []  # type: ignore[attr-defined]
        await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
        if numbers and time.monotonic() < until:
            number = rng.choice(numbers).decode()
            page = await _page(tally, "ticket", conn.get(f"/agent/tickets/{number}"))
            turn += 1
            if page is not None and turn % 4 == 0:
                form = hidden_inputs(page.body)  # type: ignore[attr-defined]
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
                await _page(tally, "note", conn.post_form(f"/agent/tickets/{number}/replies", {
                    "csrf_token": form.get("csrf_token", ""), "text": f"Checked by {email}.",
                    "kind": "note", "version": form.get("version", ""),
                    "seen_entry": form.get("seen_entry", ""),
                    "seen_message": form.get("seen_message", "")}))
        await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
    conn.close()


async def _mail(port: int, rate: float, until: float, tally: Tally, sent_ids: list[str]) -> None:
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
    await smtp.connect()
    started = time.monotonic()
    n = 0
    while time.monotonic() < until:
        due = started + n / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        message_id = f"<load-{n}@bench.test>"
        raw = (f"From: Customer {n % 500} <buyer{n % 500}@load.example>\r\nTo: {MAILBOX}\r\n"
               f"Subject: Order {10_000 + n} has not arrived\r\nMessage-ID: {message_id}\r\n"
               f"\r\nWhere is my order {10_000 + n}? It was due on Monday.\r\n").encode()
        tally.mails_sent += 1
        try:
            errors, _ = await smtp.sendmail("customer@example.com", [MAILBOX], raw)
            if not errors:
                tally.mails_accepted += 1
                sent_ids.append(message_id)
        except (aiosmtplib.SMTPException, OSError) as exc:
            tally.errors[f"mail: {type(exc).__name__}"] += 1
            await smtp.connect()
        n += 1
    await smtp.quit()


async def _load(ports: list[int], smtp_port: int, agents: list[str], seconds: float, think: float,
                rate: float) -> tuple[Tally, list[str]]:
    tally, sent_ids = Tally(), list[str]()
    until = time.monotonic() + seconds
    rng = random.Random(11)
    await asyncio.gather(
        _mail(smtp_port, rate, until, tally, sent_ids),
        *(_agent(ports[i % len(ports)], email, until, think, tally, random.Random(rng.random()))
          for i, email in enumerate(agents)))
    return tally, sent_ids


def _staff(env: dict[str, str], agents: list[str]) -> None:
    """The agents (the first a supervisor) in every team, made in this process."""
    from sqlmodel import select

    from desk.actions.audit import SYSTEM
    from desk.actions.users import add_to_team, create_user
    from desk.db import Database, commit
    from desk.models import Team
    from desk.settings import load_settings

    db = Database(load_settings(env))
    with db.session() as session:
        teams = list(session.exec(select(Team)))
        for i, email in enumerate(agents):
            user = create_user(session, SYSTEM, email, f"Agent {i}",
                               "supervisor" if i == 0 else "agent", PASSWORD)
            for team in teams:
                add_to_team(session, SYSTEM, user, team)
        commit(session)
    db.dispose()


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"n": len(values), "p50": round(percentile(values, 50), 1),
            "p95": round(percentile(values, 95), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--mails-per-second", type=float, default=10)
    parser.add_argument("--think", type=float, default=2.0, help="seconds between an agent's pages")
    parser.add_argument("--tickets", type=int, default=20_000, help="tickets seeded first")
    args = parser.parse_args(argv)
    with scratch("postgres", "desk-bench-load-") as where:
        assert where.pg is not None
        flush_redis(REDIS_URL)
        env = desk_env(where.folder, where.pg.url, REDIS_URL)
        run_desk(["migrate"], env)
        engine = make_engine(where.database_url)
        seed(engine, args.tickets)
        analyze(engine)
        engine.dispose()
        agents = [f"agent{i}@bench.test" for i in range(args.agents)]
        _staff(env, agents)
        run_desk(["mailbox", "add", "support", "--address", MAILBOX], env)
        ports, smtp_port = [free_port(), free_port()], free_port()
        processes = [DeskProcess.serve(env, where.folder, port) for port in ports]
        processes.append(DeskProcess.worker(env, where.folder))
        processes.append(DeskProcess(["smtpd", "--port", str(smtp_port)], env,
                                     where.folder / "smtpd.log"))
        try:
            for server in processes[:2]:
                server.wait_healthy()
                server.wait_idle()
            time.sleep(1)
            before = {p.pid: p.cpu_seconds() for p in processes}
            client_before = time.process_time()
            say(f"{args.agents} agents and {args.mails_per_second} mails/s for {args.seconds:.0f} s")
            tally, sent_ids = asyncio.run(_load(ports, smtp_port, agents, args.seconds, args.think,
                                                args.mails_per_second))
            client_cpu = time.process_time() - client_before
            desk_cpu = sum(p.cpu_seconds() - before[p.pid] for p in processes)
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                waiting = where.pg.rows("SELECT count(*) FROM rawmessage WHERE status = 'stored'")
                if waiting[0][0] == 0:
                    break
                time.sleep(1)
            stored = where.pg.rows("SELECT count(*) FROM message WHERE message_id LIKE '<load-%'")
            raw = dict(where.pg.rows("SELECT status, count(*) FROM rawmessage GROUP BY status"))
            reasons = [r[0] for r in where.pg.rows(
                "SELECT DISTINCT left(error, 200) FROM rawmessage WHERE status = 'quarantined' LIMIT 3")]
        finally:
            for process in processes:
                process.stop()
    print(json.dumps({
        "bench": "load_test", "backend": "postgres", "serve_processes": 2, "workers": 1,
        "seconds": args.seconds, "agents": args.agents, "mails_per_second": args.mails_per_second,
        "server_ms": {k: _summary(v) for k, v in sorted(tally.server_ms.items())},
        "client_ms": {k: _summary(v) for k, v in sorted(tally.client_ms.items())},
        "errors": dict(tally.errors), "mails_sent": tally.mails_sent,
        "mails_accepted": tally.mails_accepted, "mails_stored": stored[0][0],
        "raw_mail": {str(k): v for k, v in raw.items()}, "quarantine_reasons": reasons,
        "mails_lost": len(sent_ids) - int(stored[0][0]),  # type: ignore[call-overload]
        "client_cpu_s": round(client_cpu, 1), "desk_cpu_s": round(desk_cpu, 1),
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
