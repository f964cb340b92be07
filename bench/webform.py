"""Web form: submissions per second of one `desk serve` beside a bare Starlette form, none lost.

Both run at once on SQLite in one scratch folder, each in a process of its own:
``desk --log-level WARNING serve`` (in-process job runner: no ``DESK_REDIS_URL``;
``DESK_FORM_RATE_LIMIT`` lifted, since every request comes from 127.0.0.1) and
``bench/bare_form.py`` (GET a small form page; multipart POST, one SQLite insert,
303) under uvicorn with the options ``desk serve`` uses. Each is loaded in turn by
wrk, a compiled client, running ``bench/webform.lua``: 50 connections alternating
``GET /requests/new`` and a multipart ``POST /requests`` (name, email, subject,
message, the empty file input and honeypot a browser sends), every subject unique.
A short warm-up, then ``--seconds`` timed.

    .venv/bin/python -m bench.webform [--seconds 20] [--connections 50] [--py-spy DIR]

Desk answers a submission once it is stored; its intake process (desk.form_intake, a
child of ``desk serve``) opens the ticket moments later. After the timed run the bench
waits until that process has taken every stored submission (``intake_drain_s``) and
reports ``desk_tickets_per_s``: the timed run's submissions over the timed seconds plus
that wait, the rate at which tickets were really opened. Then each answered submission
(wrk keeps the ``Location`` of every 3xx) is looked up in its database: ``lost`` counts
answered submissions that are not a ticket, ``kept`` the timed run's tickets (rows for
the bare form). The CPU seconds of wrk and of each server (with its child processes)
during the timed window are reported beside each other: a client that costs as much as the
server it measures would be measuring itself. Prints one JSON line on stdout;
progress goes to stderr. Not a test: it reports a slow figure, it never fails on one.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: import bench.* from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json
import resource
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from bench.pyspy import PySpy
from bench.servers import (
    REPO,
    SECRET_KEY,
    DeskProcess,
    busy_percent,
    cpu_seconds,
    desk_env,
    free_port,
    machine_ticks,
    run_desk,
    say,
    scratch,
)
from desk.form_spool import Spool
from desk.links import read_submission_token

TARGET_RATIO = 0.75  # Desk's submissions per second against the bare form's, same run
SCRIPT = REPO / "bench" / "webform.lua"
TIMED = "timed"  # subject prefix of the timed run's posts ("warmup" for the warm-up)


def wrk_command() -> str:
    """wrk, installed from Debian when missing (the bench machines run as root)."""
    found = shutil.which("wrk")
    if found is None:
        say("wrk is missing: apt-get install wrk")
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, stdout=subprocess.DEVNULL, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL, check=False)
            subprocess.run(install, stdout=subprocess.DEVNULL, check=False)
        found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed and apt-get could not install it")
    return found


@dataclass(frozen=True)
class Load:
    """What wrk saw of one run, and the CPU the client and the server used meanwhile."""

    counts: dict[str, Any]  # the WEBFORM line of bench/webform.lua
    locations: list[str]  # the Location of every 3xx answer
    client_cpu_s: float
    server_cpu_s: float  # with its children (desk serve's form intake process)
    machine_busy_pct: float
    own_cpu_s: float  # the server process alone

    @property
    def seconds(self) -> float:
        return float(self.counts["duration_us"]) / 1e6

    @property
    def per_s(self) -> float:
        return int(self.counts["redirects"]) / self.seconds


def children_cpu_s() -> float:
    """CPU of the finished children this process waited for (wrk, once it has exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def drive(wrk: str, server: DeskProcess, seconds: float, connections: int, label: str,
          folder: Path) -> Load:
    """One wrk run of ``seconds`` against ``server``."""
    locations_file = folder / f"locations-{label}-{server.port}.txt"
    command = [wrk, "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
               "-s", str(SCRIPT), f"http://127.0.0.1:{server.port}", "--", label,
               str(locations_file)]
    before = (children_cpu_s(), server.cpu_seconds(), machine_ticks(), cpu_seconds(server.pid))
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    after = (children_cpu_s(), server.cpu_seconds(), machine_ticks(), cpu_seconds(server.pid))
    line = next((x for x in done.stdout.splitlines() if x.startswith("WEBFORM ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return Load(json.loads(line.removeprefix("WEBFORM ")),
                [x for x in locations_file.read_text().splitlines() if x],
                after[0] - before[0], after[1] - before[1], busy_percent(before[2], after[2]),
                after[3] - before[3])


def desk_ticket_ids(database: Path, locations: list[str]) -> list[int]:
    """Desk answers ``/requests/received/<signed submission id>``: the ticket each answered
    submission became (-1: none), once the intake has taken them all (`drain`)."""
    with sqlite3.connect(database, timeout=30) as conn:
        tickets = {(spool, request_id): ticket_id for spool, request_id, ticket_id in conn.execute(
            "SELECT spool, request_id, ticket_id FROM formsubmission "
            "WHERE status = 'done' AND ticket_id IS NOT NULL")}
    conn.close()
    ids = []
    for location in locations:
        token = location.rsplit("/requests/received/", 1)[-1].split("?", 1)[0]
        found = read_submission_token(SECRET_KEY, token)
        ids.append(tickets.get(found, -1) if found is not None else -1)
    return ids


def drain(folder: Path, timeout: float = 300.0) -> float:
    """Seconds until desk serve's intake process has taken every request in its spool
    (its ledger, FormSubmission, holds the spool's newest request)."""
    start = time.monotonic()
    spool = Spool(folder)
    desk = sqlite3.connect(folder / "desk.db", timeout=30)
    try:
        while time.monotonic() - start < timeout:
            taken = desk.execute("SELECT coalesce(max(request_id), 0) FROM formsubmission").fetchone()[0]
            if taken >= spool.last_stored():
                break
            time.sleep(0.02)
    finally:
        spool.close()
        desk.close()
    return time.monotonic() - start


def bare_row_ids(locations: list[str]) -> list[int]:
    """The bare form answers ``/requests/<row id>``."""
    return [int(x.rsplit("/", 1)[-1]) if x.rsplit("/", 1)[-1].isdigit() else -1
            for x in locations]


def tally(database: Path, table: str, load: Load, answered_ids: list[int]) -> dict[str, Any]:
    """Sent, answered, kept and lost for one server's timed run."""
    with sqlite3.connect(database, timeout=30) as conn:
        kept, distinct = conn.execute(
            f"SELECT count(*), count(DISTINCT subject) FROM {table} WHERE subject LIKE ?",
            (f"{TIMED} %",)).fetchone()
        stored = {row_id for (row_id,) in conn.execute(f"SELECT id FROM {table}")}
    conn.close()
    counts = load.counts
    statuses: dict[str, int] = counts["statuses"]
    return {
        "sent": counts["posts"],
        "answered": counts["redirects"],
        "kept": kept,
        "lost": sum(1 for i in answered_ids if i not in stored),
        "duplicates": kept - distinct,
        # Requests written but not answered when wrk stopped (a post among them may be kept);
        # wrk calls request() once more, in one thread, to check the script before the run.
        "unanswered": counts["sent"] - counts["answers"] - 1,
        "other_answers": {k: v for k, v in statuses.items() if not k.startswith(("2", "3"))},
        "socket_errors": {k: v for k, v in counts["socket_errors"].items() if v},
        "latency_ms_p50": counts["latency_ms_p50"],
        "latency_ms_p99": counts["latency_ms_p99"],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=20.0, help="timed seconds per server (20)")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of load before each (3)")
    p.add_argument("--connections", type=int, default=50, help="wrk connections (50)")
    p.add_argument("--py-spy", metavar="DIR",
                   help="profile desk serve during its timed window (slows it: not for figures)")
    args = p.parse_args(argv)
    wrk = wrk_command()
    with scratch("sqlite", "desk-bench-webform-") as s:
        env = desk_env(s.folder, DESK_FORM_RATE_LIMIT="100000000")
        run_desk(["migrate"], env)
        desk = DeskProcess.serve(env, s.folder, free_port())
        bare = DeskProcess.bare(env, s.folder, free_port(), s.folder / "bare.db")
        loads: dict[str, Load] = {}
        drained = 0.0
        spy: PySpy | None = None
        try:
            for server in (desk, bare):
                server.wait_healthy()
                server.wait_idle()
            for name, server in (("bare", bare), ("desk", desk)):
                say(f"{name} on port {server.port}: warm-up {args.warmup:.0f}s, "
                    f"then {args.seconds:.0f}s with {args.connections} connections")
                drive(wrk, server, args.warmup, args.connections, "warmup", s.folder)
                if name == "desk":  # the timed run starts with nothing waiting
                    drain(s.folder)
                if name == "desk" and args.py_spy:
                    spy = PySpy(desk.pid, Path(args.py_spy))
                    spy.start(args.seconds)
                loads[name] = drive(wrk, server, args.seconds, args.connections, TIMED, s.folder)
                if name == "desk":
                    drained = drain(s.folder)
                say(f"{name}: {loads[name].per_s:.0f} submissions/s")
        finally:
            desk.stop()
            bare.stop()
        if spy is not None:
            spy.report()
        desk_load, bare_load = loads["desk"], loads["bare"]
        desk_run = tally(s.folder / "desk.db", "ticket", desk_load,
                         desk_ticket_ids(s.folder / "desk.db", desk_load.locations))
        bare_run = tally(s.folder / "bare.db", "submission", bare_load,
                         bare_row_ids(bare_load.locations))
    result = {
        "bench": "webform",
        "client": f"wrk -t2 -c{args.connections} ({SCRIPT.name})",
        "seconds": args.seconds,
        "desk_per_s": round(desk_load.per_s, 1),
        "bare_per_s": round(bare_load.per_s, 1),
        "ratio": round(desk_load.per_s / bare_load.per_s, 3) if bare_load.per_s else None,
        "target_ratio": TARGET_RATIO,
        # After the timed run: how long desk serve's intake process took to open the tickets
        # of the submissions still waiting, and the tickets a second over the whole time.
        "intake_drain_s": round(drained, 2),
        "desk_tickets_per_s": round(int(desk_load.counts["redirects"]) / (desk_load.seconds + drained), 1),
        "sent": desk_run.pop("sent"),
        "answered": desk_run.pop("answered"),
        "kept": desk_run.pop("kept"),
        "lost": desk_run.pop("lost"),
        "desk": desk_run,
        "bare": bare_run,
        "cpu_s": {name: {"client": round(load.client_cpu_s, 1),
                         "server": round(load.server_cpu_s, 1),
                         "server_process": round(load.own_cpu_s, 1)}
                  for name, load in loads.items()},
        "server_cpu_ms_per_submission": {
            name: round(1000 * load.server_cpu_s / max(1, int(load.counts["redirects"])), 3)
            for name, load in loads.items()},
        "machine_busy_pct": {name: load.machine_busy_pct for name, load in loads.items()},
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
