"""Fair assignment under concurrency (issue 13): three processes (two `desk serve` and a
worker, each its own engine) run the round-robin rule of every new ticket twice over (a job
delivered again), as fast as they can. Counts assignments per second, the spread of tickets
per agent (exactly fair: at most 1), tickets given twice (must be 0) and the retries the
database asked for (SQLite: a writer came first; PostgreSQL: none expected, the rotation row
is locked).

    .venv/bin/python -m bench.assignment [--backend sqlite|postgres] [--agents 10] [--tickets 600]

Prints one JSON line."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.servers import scratch


def _settings(url: str, folder: Path):  # type: ignore[no-untyped-def]
    from desk.settings import load_settings

    return load_settings({"DESK_DATA_DIR": str(folder), "DESK_DATABASE_URL": url,
                          "DESK_SECRET_KEY": "bench-assignment-secret-key-0123456789"})


def _seed(url: str, folder: Path, agents: int, tickets: int) -> int:
    import desk.handlers  # noqa: F401  (events recorded by the intake need their handlers)
    from channels.message import Identity, InboundMessage, ThreadKeys
    from desk.actions.audit import SYSTEM
    from desk.actions.ingest.one import ingest_message
    from desk.actions.rules.manage import create_rule
    from desk.actions.users import create_user
    from desk.db import Database, commit
    from desk.migrate import upgrade
    from desk.models import Team, TeamMembership

    db = Database(_settings(url, folder))
    upgrade(db.engine)
    with db.session() as s:
        team = Team(name="Rush")
        s.add(team)
        s.flush()
        assert team.id is not None
        for n in range(agents):
            user = create_user(s, SYSTEM, f"agent{n}@bench.test", f"Agent {n}", "agent", None)
            assert user.id is not None
            s.add(TeamMembership(team_id=team.id, user_id=user.id))
        commit(s)
        create_rule(s, SYSTEM, {"name": "In turn", "events": ["ticket_created"], "actions": [
            {"type": "set_team", "value": team.id}, {"type": "assign", "value": "round_robin"}]})
        for n in range(tickets):
            ingest_message(s, db.settings, InboundMessage(
                "email", Identity("email", f"c{n}@example.com", f"C{n}"), f"Help {n}", "hi",
                thread=ThreadKeys(message_id=f"<bench-{n}@example.com>")))
            if n % 100 == 99:
                commit(s)
        commit(s)
    db.dispose()
    return team.id


def _process(url: str, folder: str, work: Any, retries: Any) -> None:
    """One process: run the rules of the tickets it takes off `work`, retrying refusals."""
    from sqlalchemy.exc import DBAPIError

    import desk.handlers  # noqa: F401
    from desk.actions.rules.applying import run_rules
    from desk.db import Database

    db = Database(_settings(url, Path(folder)))
    with db.session() as session:
        while True:
            ticket_id = work.get()
            if ticket_id is None:
                break
            while True:
                try:
                    run_rules(session, ticket_id, "ticket_created")
                    break
                except DBAPIError:
                    session.rollback()
                    session.expunge_all()
                    with retries.get_lock():
                        retries.value += 1
                    time.sleep(0.005)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--tickets", type=int, default=600)
    parser.add_argument("--processes", type=int, default=3)
    args = parser.parse_args()
    with scratch(args.backend, "desk-bench-assign-") as place:
        team_id = _seed(place.database_url, place.folder, args.agents, args.tickets)
        from sqlalchemy import create_engine, text

        engine = create_engine(place.database_url)
        with engine.connect() as conn:
            ids = [row[0] for row in conn.execute(text("SELECT id FROM ticket ORDER BY id"))]
        ctx = multiprocessing.get_context("spawn")
        work = ctx.Queue()
        for ticket_id in [*ids, *ids]:
            work.put(ticket_id)
        for _ in range(args.processes):
            work.put(None)
        retries = ctx.Value("i", 0)
        procs = [ctx.Process(target=_process, args=(place.database_url, str(place.folder), work, retries))
                 for _ in range(args.processes)]
        started = time.perf_counter()
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
        seconds = time.perf_counter() - started
        with engine.connect() as conn:
            owners = Counter(row[0] for row in conn.execute(
                text("SELECT assignee_id FROM ticket WHERE team_id = :t"), {"t": team_id}))
            entries = [row[0] for row in conn.execute(text(
                "SELECT changes FROM auditentry WHERE entity = 'ticket' AND action = 'updated'"))]
        engine.dispose()
        given = sum(1 for c in entries if "assignee_id" in (c if isinstance(c, dict) else json.loads(c)))
        print(json.dumps({
            "bench": "assignment", "backend": args.backend, "agents": args.agents,
            "tickets": len(ids), "runs": 2 * len(ids), "processes": args.processes,
            "seconds": round(seconds, 2), "rule_runs_per_s": round(2 * len(ids) / seconds, 1),
            "unassigned": owners.get(None, 0),
            "spread": max(owners.values()) - min(owners.values()) if owners else 0,
            "given_twice": given - len(ids), "retries": retries.value}))


if __name__ == "__main__":
    main()
