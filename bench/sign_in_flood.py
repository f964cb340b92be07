"""`/healthz` while guessers flood the sign-in page with wrong passwords.

    .venv/bin/python -m bench.sign_in_flood [--seconds 15] [--connections 50]

One `desk serve` (SQLite, in-process jobs). A probe asks `/healthz` every 50 ms, one request
at a time, first with nothing else going on, then while wrk (compiled; bench/sign_in.lua)
posts wrong passwords on 50 connections, each from a random address so the throttle never
stops it: every try costs an argon2 hash. Issue 15's target: /healthz p95 ≤ 50 ms under the
flood (before the fix, hashing ran in the event loop: 4 ms became 1.1 s). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import threading
import time

from bench.servers import REPO, DeskProcess, desk_env, free_port, run_desk, say, scratch
from bench.webform import wrk_command

SCRIPT = REPO / "bench" / "sign_in.lua"
TARGET_P95_MS = 50.0


def probe(port: int, seconds: float) -> list[float]:
    """Milliseconds of each /healthz answer, one request every 50 ms for `seconds`."""
    times: list[float] = []
    end = time.monotonic() + seconds
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.monotonic() < end:
        started = time.perf_counter()
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(0.05)
    connection.close()
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 1),
            "max_ms": round(ordered[-1], 1), "samples": len(ordered)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--connections", type=int, default=50)
    args = p.parse_args(argv)
    wrk = wrk_command()
    with scratch("sqlite", "desk-bench-signin-") as s:
        env = desk_env(s.folder)
        run_desk(["migrate"], env)
        port = free_port()
        desk = DeskProcess(["serve", "--host", "127.0.0.1", "--port", str(port),
                            "--forwarded-allow-ips", "127.0.0.1"], env,
                           s.folder / "serve.log", port)
        try:
            desk.wait_healthy()
            desk.wait_idle()
            say("healthz with nothing else going on")
            idle = probe(port, min(args.seconds, 5.0))
            say(f"healthz while {args.connections} connections post wrong passwords")
            flood = subprocess.Popen(
                [wrk, "-t2", f"-c{args.connections}", f"-d{round(args.seconds)}s", "--timeout", "10s",
                 "-s", str(SCRIPT), f"http://127.0.0.1:{port}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(1.0)  # the flood at full strength before the probe starts
            under: list[float] = []
            worker = threading.Thread(target=lambda: under.extend(probe(port, args.seconds - 2)))
            worker.start()
            worker.join()
            out, err = flood.communicate()
        finally:
            desk.stop()
    line = next((x for x in out.splitlines() if x.startswith("SIGNIN ")), None)
    if line is None:
        raise SystemExit(f"wrk failed:\n{out}\n{err}")
    tries = json.loads(line.removeprefix("SIGNIN "))
    flood_summary = summary(under)
    print(json.dumps({
        "bench": "sign_in_flood", "connections": args.connections, "seconds": args.seconds,
        "healthz_idle": summary(idle), "healthz_under_flood": flood_summary,
        "wrong_passwords_per_s": round(tries["wrong"] / tries["seconds"], 1),
        "answers": tries, "target_p95_ms": TARGET_P95_MS,
        "met": flood_summary["p95_ms"] <= TARGET_P95_MS,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
