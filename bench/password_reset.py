""""Forgot your password?" answers alike for an address that has an account and one that
has not: the server time of each answer, both kinds interleaved (the account's link is
mailed by a job afterwards, so the answer does not wait for SMTP).

    .venv/bin/python -m bench.password_reset [-n 200]

In-process (the app through Starlette's test client, SQLite in a scratch folder), every
request from its own address so the throttle never answers instead. Prints one JSON line:
the p50/p95 of each kind in milliseconds (the Server-Timing the app reports) and the
difference of the medians."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.users import create_user
from desk.app import create_app
from desk.db import Database, commit
from desk.migrate import upgrade
from desk.settings import load_settings


def _server_ms(response_headers: dict[str, str]) -> float:
    return float(response_headers["server-timing"].split("dur=", 1)[1])


def _ask(app: object, email: str, n: int) -> float:
    client = TestClient(app, client=(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", 40000))  # type: ignore[arg-type]
    page = client.get("/agent/forgot")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/agent/forgot", data={"email": email, "csrf_token": token})
    assert answer.status_code == 200, answer.status_code
    return _server_ms(dict(answer.headers))


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="desk-bench-reset-") as folder:
        settings = load_settings({"DESK_DATA_DIR": folder, "DESK_SECRET_KEY": "bench",
                                  "DESK_BASE_URL": "http://testserver"})
        Path(folder).mkdir(exist_ok=True)
        db = Database(settings)
        upgrade(db.engine)
        with db.session() as session:
            for i in range(args.n):
                create_user(session, SYSTEM, f"staff{i}@bench.test", f"Staff {i}", "agent", None)
            commit(session)
        app = create_app(settings, db, run_jobs=False)
        known: list[float] = []
        unknown: list[float] = []
        for i in range(args.n):
            known.append(_ask(app, f"staff{i}@bench.test", 2 * i))
            unknown.append(_ask(app, f"nobody{i}@bench.test", 2 * i + 1))
        db.dispose()
    k, u = _summary(known), _summary(unknown)
    print(json.dumps({"bench": "password_reset", "requests_each": args.n, "known": k, "unknown": u,
                      "median_difference_ms": round(k["p50_ms"] - u["p50_ms"], 2)}))


if __name__ == "__main__":
    main()
