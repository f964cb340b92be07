"""SLA due-time computation (issue 13's figure): business-hours due times per second on a
Shanghai calendar with China's public holidays and make-up working days, starts spread over
two years, targets from 1 to 40 business hours (`desk.actions.sla.calendar`).

    .venv/bin/python -m bench.sla_due [-n 200000]

Prints one JSON line. Target: >= 100,000 due times per second."""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime, timedelta

from desk.actions.sla.calendar import Calendar, add_business_minutes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200_000)
    args = parser.parse_args()
    rng = random.Random(1)
    calendar = Calendar(zone="Asia/Shanghai", country="CN")
    base = datetime(2026, 1, 1, tzinfo=UTC)
    work = [(base + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)), rng.choice((60, 240, 480, 2400)))
            for _ in range(args.n)]
    started = time.perf_counter()
    for start, minutes in work:
        add_business_minutes(calendar, start, minutes)
    elapsed = time.perf_counter() - started
    print(json.dumps({"bench": "sla_due", "due_times": args.n,
                      "due_times_per_s": round(args.n / elapsed), "target_per_s": 100_000}))


if __name__ == "__main__":
    main()
