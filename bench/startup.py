"""Start-up of the `desk` command: `desk ingest` of one mail into a migrated SQLite data folder,
with a `desk serve` running on it (the mail is handed over its Unix socket,
desk.mail.handover: how a mail server's pipe delivers) and without one (`--direct`: the
command loads Desk itself), `desk --help`, and `python -c pass` as the baseline, measured in
the same run.

    .venv/bin/python -m bench.startup [--runs 10]

Prints one JSON line: median wall times over `--runs` processes of each (after one run of each
not counted), and `import_ms`, the median time `python -X importtime` gives `import
desk.cli.main`. Each ingest is a new mail from a new sender (so every run opens a ticket for a
new customer, the same work each time). Desk's own modules are compiled to bytecode first, as
an installed package is (this machine sets PYTHONDONTWRITEBYTECODE). Target:
`desk_ingest_one_s` <= 0.3."""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DESK = [str(ROOT / ".venv" / "bin" / "desk"), "--log-level", "WARNING"]
MAIL = """From: Customer {n} <customer{n}@example.com>
To: support@example.com
Subject: The printer on floor {n} prints nothing
Message-ID: <startup-{n}-{stamp}@example.com>
Date: Mon, 1 Jan 2024 10:00:00 +0000
Content-Type: text/plain; charset=utf-8

Hello, since this morning the printer prints nothing at all. Could you look at it?
"""


def wall(command: list[str], env: Mapping[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if command[-1].endswith(".eml") and not done.stdout.startswith("stored 1, tickets opened 1"):
        raise SystemExit(f"desk ingest did not open a ticket: {done.stdout or done.stderr}")
    return elapsed


def import_ms(env: Mapping[str, str]) -> float:
    """`import desk.cli.main`'s cumulative time as -X importtime reports it."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import desk.cli.main"],
                          env=env, check=True, capture_output=True, text=True)
    line = next(x for x in done.stderr.splitlines() if x.rstrip().endswith("| desk.cli.main"))
    return int(line.split("|")[1]) / 1000


def serving(env: Mapping[str, str], tmp: str) -> subprocess.Popen[bytes]:
    """`desk serve` on the folder, once its socket takes mail."""
    process = subprocess.Popen([*DESK, "serve", "--port", "0"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    socket = Path(env["DESK_DATA_DIR"]) / "ingest.sock"
    deadline = time.monotonic() + 60
    while not socket.is_socket():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("desk serve did not start")
        time.sleep(0.1)
    return process


def median(runs: int, measure: Callable[[int], float]) -> float:
    measure(-1)  # not counted: the first run warms the page cache
    return statistics.median(measure(i) for i in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    compileall.compile_dir(ROOT / "desk", quiet=1)
    compileall.compile_dir(ROOT / "channels", quiet=1)
    with tempfile.TemporaryDirectory(prefix="desk-bench-startup-") as tmp:
        env = {**os.environ, "DESK_DATA_DIR": str(Path(tmp) / "var")}
        env.pop("DESK_DATABASE_URL", None)
        subprocess.run([*DESK, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
        stamp = time.time_ns()

        def ingest(n: int, *flags: str) -> float:
            mail = Path(tmp) / f"one-{n}.eml"
            mail.write_text(MAIL.format(n=n, stamp=stamp), encoding="utf-8")
            return wall([*DESK, "ingest", "--mailbox", "support", *flags, str(mail)], env)

        direct_s = median(args.runs, lambda i: ingest(1000 + i, "--direct"))
        server = serving(env, tmp)
        try:
            ingest_s = median(args.runs, lambda i: ingest(2000 + i))
        finally:
            server.terminate()
            server.wait(30)
        help_s = median(args.runs, lambda _: wall([*DESK, "--help"], env))
        pass_s = median(args.runs, lambda _: wall([sys.executable, "-c", "pass"], env))
        imports = median(args.runs, lambda _: import_ms(env))
    print(json.dumps({
        "bench": "startup", "runs": args.runs,
        "desk_ingest_one_s": round(ingest_s, 3), "desk_ingest_one_direct_s": round(direct_s, 3),
        "desk_help_s": round(help_s, 3),
        "python_pass_s": round(pass_s, 3), "import_ms": round(imports, 1),
        "target_desk_ingest_one_s": 0.3,
    }))


if __name__ == "__main__":
    main()
