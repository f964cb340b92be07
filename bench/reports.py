"""The satisfaction report's database time at scale: 200,000 answers (issue 14: the
dashboard's p95 <= 300 ms at 1,000,000 tickets and 200,000 answers).

Seeds --answers answered surveys (and as many solved tickets and customers; --tickets
more tickets without a survey) spread over the last 120 days, 40 agents in 8 teams, three
channels, into a fresh SQLite database (or PostgreSQL with --backend postgres), then runs
`satisfaction_report` (what /reports/ and the API read) --runs times for each period and
for one team, in-process: the database work of the page, without HTTP and rendering.

    .venv/bin/python -m bench.reports --answers 200000 --tickets 1000000

Prints one JSON line on stdout; progress goes to stderr. Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session

from bench.connection import percentile
from bench.servers import SECRET_KEY, PostgresDatabase, say
from desk.actions.inserts import insert_many
from desk.db import make_engine
from desk.migrate import upgrade
from desk.models.base import now
from desk.models.tables import CUSTOMERS, TICKETS
from desk.models.tables import SURVEYS as SURVEY_TABLE
from desk.queries.surveys.report import Filters, satisfaction_report
from desk.settings import load_settings

TARGET_P95_MS = 300
CHUNK = 10_000


def seed(engine: object, answers: int, tickets: int) -> None:
    rng = random.Random(14)
    stamp = now()
    with Session(engine) as session:  # type: ignore[call-overload]
        from sqlalchemy import text

        session.execute(text("INSERT INTO team (id, name) VALUES " + ", ".join(
            f"({t}, 'Team {t}')" for t in range(1, 9))))
        session.execute(text("INSERT INTO \"user\" (id, email, name, role, password_hash, locale, "
                             "is_active, kb_writer, created_at) VALUES " + ", ".join(
                                 f"({a}, 'a{a}@bench.example', 'Agent {a}', 'agent', '', 'en', "
                                 f"true, false, '{stamp.isoformat(' ')[:19]}')"
                                 for a in range(1, 41))))
        for start in range(0, max(answers, tickets), CHUNK):
            ids = range(start + 1, min(max(answers, tickets), start + CHUNK) + 1)
            insert_many(session, CUSTOMERS, [dict(
                id=i, name=f"C {i}", email=f"c{i}@bench.example", tier="standard",
                source="email", locale="en", fields={}, created_at=stamp, updated_at=stamp)
                for i in ids])
            solved = [stamp - timedelta(minutes=rng.randrange(120 * 24 * 60)) for _ in ids]
            insert_many(session, TICKETS, [dict(
                id=i, subject=f"Ticket {i}", status="solved", priority="normal",
                channel=("email", "web", "api")[i % 3], customer_id=i,
                team_id=i % 8 + 1, assignee_id=i % 40 + 1, created_at=s - timedelta(hours=3),
                updated_at=s, solved_at=s) for i, s in zip(ids, solved, strict=True)])
            insert_many(session, SURVEY_TABLE, [dict(
                ticket_id=i, customer_id=i, status="answered", skip_reason="", due_at=s,
                sent_at=s + timedelta(hours=1), agent_id=i % 40 + 1, team_id=i % 8 + 1,
                channel=("email", "web", "api")[i % 3], tier="standard", solved_at=s,
                resolution_seconds=3 * 3600, rating=rng.choice((1, 2, 3, 4, 4, 5, 5, 5)),
                comment="" if rng.random() < 0.8 else "comment", answers=1,
                answered_at=s + timedelta(hours=2), created_at=s)
                for i, s in zip(ids, solved, strict=True) if i <= answers])
            session.commit()
            say(f"seeded {ids[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="desk-bench-reports-"))
    pg = PostgresDatabase() if args.backend == "postgres" else None
    try:
        env = {"DESK_DATA_DIR": str(folder), "DESK_SECRET_KEY": SECRET_KEY}
        if pg is not None:
            env["DESK_DATABASE_URL"] = pg.url
        settings = load_settings(env)
        engine = make_engine(settings.database_url)
        upgrade(engine)
        say(f"seeding {args.answers} answers, {max(args.answers, args.tickets)} tickets")
        seed(engine, args.answers, args.tickets)
        with engine.begin() as conn:
            from sqlalchemy import text
            conn.execute(text("ANALYZE"))
        results: dict[str, dict[str, float]] = {}
        for label, days, team in (("7d", 7, None), ("30d", 30, None), ("90d", 90, None),
                                  ("90d_team", 90, 3)):
            times = []
            with Session(engine) as session:
                for _ in range(args.runs):
                    until = now()
                    started = time.perf_counter()
                    satisfaction_report(session, Filters(until - timedelta(days=days), until, team))
                    times.append((time.perf_counter() - started) * 1000)
            results[label] = {"p50_ms": round(percentile(times, 50), 1),
                              "p95_ms": round(percentile(times, 95), 1)}
            say(label, results[label])
        print(json.dumps({"bench": "reports", "backend": args.backend, "answers": args.answers,
                          "tickets": max(args.answers, args.tickets), "runs": args.runs,
                          **results, "target_p95_ms": TARGET_P95_MS,
                          "met": all(r["p95_ms"] <= TARGET_P95_MS for r in results.values())}))
        engine.dispose()
    finally:
        if pg is not None:
            pg.drop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
