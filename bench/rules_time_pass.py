"""Rules on time: one scheduled pass over a desk of 1,000,000 tickets (issue 13's figure).

Seeds --tickets tickets (bench/dataset.py: 2 % pending, 5 % new, open or on hold, four in
ten of those unassigned and unanswered; here one customer in twenty is VIP), writes three
scheduled rules as a supervisor would:

- "Stale pending": pending for 3 days -> tag stale;
- "Unassigned urgent": unassigned for 30 minutes and priority urgent -> notify the team (in the app);
- "VIP waiting": no agent reply for 1 hour and tier VIP -> priority high,

then times the passes: the first ones fire on every ticket the rules hold for (ticket
changes, history, events, notifications; a pass starts no batch after PASS_BUDGET_SECONDS
or MOST_FIRINGS, the rest fire on the next pass, booked at once), until none is left; then
one more pass (nothing changed: every ticket is left alone, found by index and the record
of the earlier passes).

    .venv/bin/python -m bench.rules_time_pass [--tickets 1000000] [--backend sqlite|postgres]

Prints one JSON line on stdout; progress goes to stderr. Target: a pass <= 60 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from sqlalchemy import text

from bench.dataset import analyze, seed
from bench.servers import desk_env, run_desk, say, scratch
from desk import handlers
from desk.actions.audit import SYSTEM
from desk.actions.rules.effects import Services
from desk.actions.rules.manage import create_rule
from desk.actions.rules.scheduled import MOST_FIRINGS, PASS_BUDGET_SECONDS, PassOutcome, run_time_rules
from desk.db import Database, make_engine
from desk.settings import load_settings

TARGET_S = 60
RULES = [
    ("Stale pending", [{"field": "pending_for", "op": "at_least", "value": "3d"}],
     [{"type": "add_tags", "value": ["stale"]}]),
    ("Unassigned urgent", [{"field": "unassigned_for", "op": "at_least", "value": "30m"},
                           {"field": "priority", "op": "is", "value": "urgent"}],
     [{"type": "notify", "value": {"to": "team", "by": "in_app"}}]),
    ("VIP waiting", [{"field": "no_agent_reply_for", "op": "at_least", "value": "1h"},
                     {"field": "tier", "op": "is", "value": "vip"}],
     [{"type": "set_priority", "value": "high"}]),
]


def timed_pass(db: Database, services: Services) -> tuple[float, PassOutcome]:
    started = time.perf_counter()
    with db.session() as session:
        outcome = run_time_rules(session, services)
    return time.perf_counter() - started, outcome


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = p.parse_args(argv)
    assert handlers.REGISTRY.loaded
    with scratch(args.backend, "desk-bench-rules-time-") as where:
        env = desk_env(where.folder, where.pg.url if where.pg else None)
        run_desk(["migrate"], env)
        engine = make_engine(where.database_url)
        say(f"seeding {args.tickets} tickets on {args.backend}")
        seeded = seed(engine, args.tickets, progress=say)
        with engine.begin() as conn:
            conn.execute(text("UPDATE customer SET tier = 'vip' WHERE id % 20 = 0"))
        analyze(engine)
        engine.dispose()
        settings = load_settings(env)
        db = Database(settings)
        with db.session() as session:
            for name, items, actions in RULES:
                create_rule(session, SYSTEM, {"name": name, "events": ["scheduled"], "actions": actions,
                                              "conditions": {"match": "all", "items": items}})
        services = Services(settings)
        say("first pass")
        first_s, first = timed_pass(db, services)
        say(f"first pass {first_s:.1f}s: {first}")
        times, fired, outcome = [first_s], first.fired, first
        while outcome.more:
            took, outcome = timed_pass(db, services)
            times.append(took)
            fired += outcome.fired
            say(f"pass {len(times)} {took:.1f}s: {outcome}")
        steady_s, steady = timed_pass(db, services)
        db.dispose()
        print(json.dumps({
            "bench": "rules_time_pass", "backend": args.backend, "tickets": args.tickets,
            "open_tickets": seeded.open_tickets, "rules": len(RULES),
            "first_pass_s": round(first_s, 1), "first_pass_fired": first.fired,
            "most_firings_per_pass": MOST_FIRINGS, "pass_budget_s": PASS_BUDGET_SECONDS,
            "passes_until_all_fired": len(times),
            "firings": fired, "all_passes_s": round(sum(times), 1), "slowest_pass_s": round(max(times), 1),
            "steady_pass_s": round(steady_s, 2), "steady_pass_candidates": steady.candidates,
            "steady_pass_fired": steady.fired, "target_s": TARGET_S}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
