"""Merging two customers with --tickets tickets each, and undoing it.

Seeds a fresh migrated database with a background desk (bench/dataset.py: --background
tickets, a tenth as many customers, one message per ticket), then two customers with
--tickets tickets of one message each. Times merge_customers + commit, then undo_merge +
commit, --repeat times.

    .venv/bin/python -m bench.customer_merge --tickets 1000 --backend postgres

Prints one JSON line on stdout; progress goes to stderr. Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlmodel import Session

from bench.dataset import BATCH, analyze, seed
from bench.servers import say, scratch
from desk import handlers  # noqa: F401 - the event handlers, before any action records an event
from desk.actions.audit import SYSTEM
from desk.actions.customers.merge import merge_customers, undo_merge
from desk.actions.customers.records import create_customer
from desk.actions.inserts import insert_rows
from desk.db import commit, make_engine
from desk.migrate import upgrade
from desk.models import Customer
from desk.models.base import now
from desk.models.tables import MESSAGES, TICKETS

TARGET_MERGE_S = 2.0


def _messages_for(engine: Engine, ticket_ids: list[int], customer_ids: list[int]) -> None:
    stamp = now()
    rows = [dict(ticket_id=t, direction="inbound", author_user_id=None, author_customer_id=c,
                 text="Hello", html="", message_id=f"<bench-{t}@bench.example>", created_at=stamp)
            for t, c in zip(ticket_ids, customer_ids, strict=True)]
    with engine.begin() as conn:
        for start in range(0, len(rows), BATCH):
            conn.execute(insert(MESSAGES), rows[start:start + BATCH])


def background_messages(engine: Engine) -> None:
    """One inbound message per seeded ticket: a merge looks messages up by their author."""
    with engine.connect() as conn:
        pairs = list(conn.execute(text("SELECT id, customer_id FROM ticket ORDER BY id")))
    _messages_for(engine, [p[0] for p in pairs], [p[1] for p in pairs])


def two_customers(engine: Engine, tickets: int) -> tuple[int, int]:
    """Two customers with ``tickets`` tickets of one message each."""
    ids: list[int] = []
    with Session(engine) as session:
        for name in ("Merge Survivor", "Merge Other"):
            customer = create_customer(session, SYSTEM, {
                "name": name, "emails": [f"{name.split()[1].lower()}@merge.example"],
                "phones": ["+44 20 7946 0000" if name.endswith("Survivor") else "+44 20 7946 0001"],
                "tags": [name.split()[1].lower()]})
            assert customer.id is not None
            ids.append(customer.id)
        stamp = now()
        for customer_id in ids:
            ticket_ids = insert_rows(session, TICKETS, [dict(
                subject=f"Merge bench {i}", status="open", priority="normal", channel="email",
                customer_id=customer_id, team_id=None, assignee_id=None, mailbox_id=None,
                follows_id=None, created_at=stamp, updated_at=stamp, first_response_at=None,
                solved_at=None) for i in range(tickets)])
            session.commit()
            _messages_for(engine, ticket_ids, [customer_id] * len(ticket_ids))
        session.commit()
    return ids[0], ids[1]


def measure(engine: Engine, survivor_id: int, other_id: int, repeat: int) -> dict[str, list[float]]:
    merges: list[float] = []
    undos: list[float] = []
    with Session(engine, expire_on_commit=False) as session:
        for _ in range(repeat):
            survivor = session.get(Customer, survivor_id)
            other = session.get(Customer, other_id)
            assert survivor is not None and other is not None
            started = time.perf_counter()
            merge = merge_customers(session, SYSTEM, survivor, other)
            commit(session)
            merges.append(time.perf_counter() - started)
            started = time.perf_counter()
            undo_merge(session, SYSTEM, merge)
            commit(session)
            undos.append(time.perf_counter() - started)
            say(f"merge {merges[-1]:.3f}s, undo {undos[-1]:.3f}s")
    return {"merge": merges, "undo": undos}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=1_000, help="tickets of each customer (1000)")
    p.add_argument("--background", type=int, default=100_000, help="other tickets (100000)")
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--repeat", type=int, default=5, help="merges and undos timed (5)")
    args = p.parse_args(argv)

    with scratch(args.backend, "desk-bench-merge-") as run:
        engine = make_engine(run.database_url)
        upgrade(engine)
        seeded = seed(engine, args.background, progress=say)
        background_messages(engine)
        survivor_id, other_id = two_customers(engine, args.tickets)
        analyze(engine)
        say(f"seeded {seeded.tickets} + 2 x {args.tickets} tickets; merging {args.repeat} times")
        timings = measure(engine, survivor_id, other_id, args.repeat)
        engine.dispose()
        out: dict[str, Any] = {
            "bench": "customer_merge",
            "backend": args.backend,
            "tickets_each": args.tickets,
            "background_tickets": seeded.tickets,
            "merge_s_p50": round(statistics.median(timings["merge"]), 3),
            "merge_s_max": round(max(timings["merge"]), 3),
            "undo_s_p50": round(statistics.median(timings["undo"]), 3),
            "target_merge_s": TARGET_MERGE_S,
        }
        print(json.dumps(out), flush=True)
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
