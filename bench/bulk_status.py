"""Bulk actions (issue 16's figure): a status change over 10,000 tickets, every ticket's
history written, through the same path as the queue's bulk form: the filter's ids, the run
recorded and its `run_bulk_action` job worked through chunk by chunk (`update_ticket` per
ticket in its own savepoint: the ticket, its audit row, its TicketUpdated job row).

Seeds --tickets tickets (bench/dataset.py) into a fresh database, then moves --changes of
them (none on hold yet) to on hold as an admin, and checks afterwards that each of them is on
hold with one "updated" history entry naming the status. The jobs the change records
(sla_follow_update per ticket) are left queued: they run after, in the job runner.

    .venv/bin/python -m bench.bulk_status [--changes 10000] [--backend postgres]

Prints one JSON line on stdout; progress goes to stderr. Target: <= 30 s."""

from __future__ import annotations

import argparse
import json
import time

from sqlalchemy import text
from sqlmodel import col, select

import desk.handlers  # noqa: F401  (recording events needs the handlers' registry)
from bench.dataset import analyze, seed
from bench.servers import desk_env, say, scratch
from desk.actions.audit import SYSTEM, Actor
from desk.actions.tickets.bulk import start_bulk
from desk.actions.users import create_user
from desk.db import Database, commit, make_engine
from desk.jobs.context import JobContext
from desk.jobs.functions import run_bulk_action
from desk.migrate import upgrade
from desk.models import Ticket
from desk.settings import load_settings

TARGET_S = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--tickets", type=int, default=12_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    with scratch(args.backend, "desk-bench-bulk-") as place:
        engine = make_engine(place.database_url)
        upgrade(engine)
        seed(engine, max(args.tickets, args.changes * 2), progress=say)
        analyze(engine)
        engine.dispose()
        settings = load_settings(desk_env(place.folder, place.database_url))
        db = Database(settings)
        with db.session() as session:
            admin = create_user(session, SYSTEM, "bulk@bench.example", "Bulk Admin", "admin",
                                "bench-password-123")
            commit(session)
            ids = list(session.exec(select(Ticket.id).where(col(Ticket.status) != "on_hold")
                                    .order_by(col(Ticket.id)).limit(args.changes)))
            before = session.exec(select(Ticket.id).where(col(Ticket.status) == "on_hold")).all()
        say(f"changing {len(ids)} tickets to on hold")
        started = time.perf_counter()
        with db.session() as session:
            run = start_bulk(session, Actor.of_user(admin), admin, {"status": "on_hold"},
                             [i for i in ids if i is not None])
        assert run.id is not None
        run_bulk_action(JobContext(db), bulk_id=run.id)
        elapsed = time.perf_counter() - started
        with db.engine.connect() as conn:
            on_hold = conn.execute(text(
                "SELECT count(*) FROM ticket WHERE status = 'on_hold'")).scalar() - len(before)
            history = conn.execute(text(
                "SELECT count(DISTINCT entity_id) FROM auditentry WHERE entity = 'ticket' "
                "AND action = 'updated' AND actor_id = :admin"), {"admin": admin.id}).scalar()
            jobs = conn.execute(text(
                "SELECT count(*) FROM job WHERE name = 'sla_follow_update'")).scalar()
        db.dispose()
    print(json.dumps({
        "bench": "bulk_status", "backend": args.backend, "tickets": len(ids),
        "seconds": round(elapsed, 2), "tickets_per_s": round(len(ids) / elapsed),
        "on_hold": on_hold, "history_written": history, "jobs_queued": jobs,
        "target_s": TARGET_S}))


if __name__ == "__main__":
    main()
