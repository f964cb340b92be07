"""SMTP push: a generated corpus delivered by concurrent SMTP clients to `desk smtpd`,
timed until every accepted mail is ingested, on SQLite.

    .venv/bin/python -m bench.smtp_push [-n 5000] [--seed 1] [--clients 4] [--lmtp]

Prints one JSON line. Each client keeps one connection and sends MAIL/RCPT/DATA per
message (smtplib, a thread each), taking the next message of the corpus in delivery
order; a 4xx answer is retried after 0.2 s, as a mail server would. `accepted` counts
the 250s, `stored` the RawMessage rows, `lost = accepted - stored`. The clock runs
from the first connection until no row is left `stored`; `deliver_s` is the time to the
last 250. Issue 4's target: zero lost, peak RSS of `desk smtpd` <= 300 MB
(`workers_peak_rss_mb` adds up the parse-pool workers it started, desk.mail.parse_pool)."""

from __future__ import annotations

import argparse
import json
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.corpus_path import corpus_script
from bench.servers import DeskProcess, desk_env, free_port, run_desk, say, sqlite_rows

ROOT = Path(__file__).resolve().parent.parent
RCPT = "support@acme.test"  # the corpus' support address


class Delivery:
    """Hands out the corpus in order to the client threads and counts their answers."""

    def __init__(self, raws: list[bytes]) -> None:
        self.raws = raws
        self.next = 0
        self.lock = threading.Lock()
        self.accepted = 0
        self.deferred = 0
        self.refused: Counter[str] = Counter()

    def take(self) -> bytes | None:
        with self.lock:
            if self.next >= len(self.raws):
                return None
            self.next += 1
            return self.raws[self.next - 1]

    def client(self, port: int, lmtp: bool) -> None:
        smtp = smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port)
        smtp.ehlo()
        while (raw := self.take()) is not None:
            while True:
                code = self._send(smtp, raw)
                if code == 250:
                    break
                if 400 <= code < 500:
                    with self.lock:
                        self.deferred += 1
                    time.sleep(0.2)
                    continue
                with self.lock:
                    self.refused[str(code)] += 1
                break
        smtp.quit()

    def _send(self, smtp: smtplib.SMTP, raw: bytes) -> int:
        code, _ = smtp.mail("customer@example.com")
        if code == 250:
            code, _ = smtp.rcpt(RCPT)
        if code == 250:
            code, _ = smtp.data(raw)
        else:
            smtp.rset()
        if code == 250:
            with self.lock:
                self.accepted += 1
        return code


def wait_listening(proc: DeskProcess, port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.proc.poll() is not None:
            raise SystemExit(f"desk smtpd exited:\n{proc.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if s.recv(100).startswith(b"220"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"desk smtpd not listening after {timeout}s:\n{proc.log_tail()}")


def descendants(pid: int) -> list[int]:
    """Processes started by `pid`, at any depth (desk.mail.parse_pool's workers)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [c for c, p in parents.items() if p in frontier]
        found.extend(children)
        frontier = children
    return found


def hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def statuses(data: Path) -> dict[str, int]:
    rows = sqlite_rows(data, "SELECT status, count(*) FROM rawmessage GROUP BY status")
    return {str(status): int(str(count)) for status, count in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--lmtp", action="store_true", help="deliver over LMTP")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="desk-bench-smtp-") as tmp:
        folder = Path(tmp)
        corpus = folder / "corpus"
        say(f"generating corpus --seed {args.seed} -n {args.n}")
        subprocess.run([sys.executable, str(corpus_script()), "--seed", str(args.seed), "-n", str(args.n),
                        "--out", str(corpus)], check=True, stdout=subprocess.DEVNULL)
        raws = [f.read_bytes() for f in sorted(corpus.glob("*.eml"))]
        data = folder / "var"
        env = desk_env(data)
        run_desk(["migrate"], env)
        port = free_port()
        # --mailbox: the catch-all files everything under "support" without a Mailbox row.
        server = DeskProcess(["smtpd", "--host", "127.0.0.1", "--port", str(port),
                              "--mailbox", "support", *(["--lmtp"] if args.lmtp else [])],
                             env, folder / "smtpd.log", port)
        try:
            wait_listening(server, port)
            delivery = Delivery(raws)
            say(f"delivering {len(raws)} messages with {args.clients} clients")
            started = time.perf_counter()
            threads = [threading.Thread(target=delivery.client, args=(port, args.lmtp))
                       for _ in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            deliver_s = time.perf_counter() - started
            say(f"delivered in {deliver_s:.1f} s; waiting for the ingest")
            while statuses(data).get("stored", 0) and server.proc.poll() is None:
                time.sleep(0.05)
            seconds = time.perf_counter() - started
            peak_mb = server.status_kb("VmHWM") / 1024
            workers_mb = sum(hwm_mb(pid) for pid in descendants(server.pid))
            cpu_s = server.cpu_seconds()
        finally:
            server.stop()
        counts = statuses(data)
        tickets = sqlite_rows(data, "SELECT count(*) FROM ticket")[0][0]
    stored = sum(counts.values())
    print(json.dumps({
        "bench": "smtp_push", "messages": len(raws), "clients": args.clients,
        "protocol": "lmtp" if args.lmtp else "smtp", "seconds": round(seconds, 2),
        "msgs_per_s": round(len(raws) / seconds, 1), "deliver_s": round(deliver_s, 2),
        "accepted": delivery.accepted, "stored": stored, "lost": delivery.accepted - stored,
        "deferred": delivery.deferred, "refused": dict(delivery.refused), "statuses": counts,
        "tickets": tickets, "peak_rss_mb": round(peak_mb, 1), "workers_peak_rss_mb": round(workers_mb, 1),
        "server_cpu_s": round(cpu_s, 1),
        "exit_code": server.proc.returncode,
    }))


if __name__ == "__main__":
    main()
