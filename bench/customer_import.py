"""Customer import: `desk customers import FILE.csv` of --rows rows into a fresh database.

Writes a realistic CSV (English and Chinese names, emails, phones, organisations, tiers, tags;
about 1% bad lines and 2% duplicate lines) to a temporary folder, migrates a fresh database,
then times the CLI in a subprocess: what an admin waits for, Python's start included. The
peak RSS is the import process's own.

    .venv/bin/python -m bench.customer_import --rows 100000 --backend postgres

Prints one JSON line on stdout; progress goes to stderr. Never a pass/fail test.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import time
from pathlib import Path

from bench.servers import REPO, desk_command, desk_env, run_desk, say, scratch

TARGET_S = 20
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "小明"]
FIRST = ["Ada", "Grace", "Alan", "Linus", "Ken", "Barbara", "Edsger", "Donald", "Frances", "John",
         "Margaret", "Tim", "Radia", "Guido", "Sophie", "Anita", "Leslie", "Hedy"]
LAST = ["Lovelace", "Hopper", "Turing", "Torvalds", "Thompson", "Liskov", "Dijkstra", "Knuth",
        "Allen", "McCarthy", "Hamilton", "Berners-Lee", "Perlman", "van Rossum", "Wilson", "Borg"]
ORGS = [f"{w} {k}" for w in ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli")
        for k in ("Ltd", "GmbH", "Inc", "Group")] + [
    f"{c}{k}" for c in ("北京", "上海", "深圳", "杭州", "成都")
    for k in ("科技有限公司", "贸易公司", "网络公司")]
TIERS = ["standard"] * 6 + ["vip", "prospect", "贵宾", "标准"]
TAGS = ["newsletter", "beta", "reseller", "重要", "华东", "partner", "churn-risk", "enterprise"]
HEADERS = ["姓名", "Email", "Phone", "Company", "Tier", "Tags", "Notes"]


def _row(rng: random.Random, i: int) -> list[str]:
    if rng.random() < 0.4:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    else:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    email = f"user{i}.{rng.choice(LAST).lower().replace(' ', '')}@example{i % 97}.com"
    phone = f"+86 13{i % 10} {i:08d}"[:19] if rng.random() < 0.6 else ""
    tags = "; ".join(rng.sample(TAGS, rng.randint(0, 3)))
    return [name, email, phone, rng.choice(ORGS) if rng.random() < 0.7 else "", rng.choice(TIERS),
            tags, "imported from the old CRM"]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    """``rows`` data lines: ~2% repeat an earlier line, ~1% are bad (no email, a bad phone)."""
    rng = random.Random(seed)
    written: list[list[str]] = []
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for i in range(rows):
            roll = rng.random()
            if roll < 0.02 and written:
                row = list(rng.choice(written[-5000:]))
            elif roll < 0.025:
                row = _row(rng, i)
                row[1] = ""
            elif roll < 0.03:
                row = _row(rng, i)
                row[2] = "call me"
            else:
                row = _row(rng, i)
                written.append(row)
            writer.writerow(row)


def run_import(env: dict[str, str], csv_path: Path, errors_path: Path) -> tuple[float, str, float]:
    """Seconds, stdout and the peak RSS (MB) of `desk customers import`."""
    started = time.monotonic()
    proc = subprocess.Popen([*desk_command(), "--log-level", "WARNING", "customers", "import",
                             str(csv_path), "--errors", str(errors_path)], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"desk customers import failed ({proc.returncode}):\n{stderr.decode()}")
    return seconds, stdout.decode(), usage.ru_maxrss / 1024


def _count(summary: str, label: str) -> int:
    found = re.search(rf"(\d+) {label}", summary)
    return int(found.group(1)) if found else -1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=100_000, help="data lines in the CSV (100000)")
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = p.parse_args(argv)

    with scratch(args.backend, "desk-bench-import-") as run:
        tmp = run.folder
        env = desk_env(tmp, run.pg.url if run.pg else None)
        run_desk(["migrate"], env)
        csv_path = tmp / "customers.csv"
        write_csv(csv_path, args.rows)
        say(f"{csv_path.stat().st_size / 1e6:.1f} MB, {args.rows} lines; importing on {args.backend}")
        seconds, summary, peak_mb = run_import(env, csv_path, tmp / "errors.csv")
        say(summary.strip())
        out = {
            "bench": "customer_import",
            "backend": args.backend,
            "rows": args.rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(args.rows / seconds),
            "created": _count(summary, "created"),
            "updated": _count(summary, "updated"),
            "duplicates": _count(summary, "duplicate lines merged"),
            "errors": _count(summary, "errors"),
            "peak_rss_mb": round(peak_mb, 1),
            "target_s": TARGET_S,
        }
        print(json.dumps(out), flush=True)
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
