"""Due satisfaction surveys sent to a real SMTP server: how long 10,000 take.

Seeds --surveys solved tickets (one customer each) with a survey due now into a fresh
SQLite database (or PostgreSQL with --backend postgres), with a mailbox that sends through
aiosmtpd running in this process (tests/smtp_server.py). Then, timed: the
`send_due_surveys` job (each survey checked, its mail rendered in the customer's language
and written to the outbox, a `send_survey_mails` job per 100 mails), and those jobs run by
--workers threads, as `desk worker` runs jobs concurrently (arq's max_jobs is 20), until
every mail has reached the server.

    .venv/bin/python -m bench.survey_send --surveys 10000

Prints one JSON line on stdout; progress goes to stderr. Never a pass/fail test.
Target (issue 14): 10,000 due surveys sent in <= 60 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, func, select

import desk.handlers  # noqa: F401 - events are recorded: the handlers must be loaded
from bench.servers import SECRET_KEY, PostgresDatabase, free_port, say
from desk.actions.inserts import insert_many
from desk.actions.jobs import enqueue
from desk.db import Database, commit, make_engine
from desk.jobs.runner import due_jobs, execute_job
from desk.migrate import upgrade
from desk.models import Mailbox, OutboundMessage, OutboundStatus, SurveyStatus
from desk.models.base import now
from desk.models.tables import CUSTOMERS, SURVEYS, TICKETS
from desk.secrets import encrypt
from desk.settings import load_settings
from tests.smtp_server import SmtpServer

TARGET_SECONDS = 60


class SinkServer:
    """aiosmtpd in a process of its own, discarding what it takes; what reached it is read
    from the outbox (rows marked sent only once the server said 250)."""

    host = "127.0.0.1"
    user = ""
    password = ""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> SinkServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
             "-l", f"{self.host}:{self.port}"], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex((self.host, self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise SystemExit("aiosmtpd did not start")

    def received(self, db: Database) -> int:
        with Session(db.engine) as session:
            return int(session.exec(select(func.count()).select_from(OutboundMessage).where(
                OutboundMessage.status == OutboundStatus.sent)).one())

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


def seed(db: Database, count: int, smtp: SmtpServer | SinkServer) -> None:
    stamp = now()
    solved = stamp - timedelta(hours=2)
    with Session(db.engine) as session:
        session.add(Mailbox(name="support", address="support@bench.example", smtp_host=smtp.host,
                            smtp_port=smtp.port, smtp_ssl=False, smtp_user=smtp.user,
                            smtp_password=encrypt(SECRET_KEY, smtp.password) if smtp.user else ""))
        for start in range(0, count, 5000):
            ids = range(start + 1, min(count, start + 5000) + 1)
            insert_many(session, CUSTOMERS, [dict(
                id=i, name=f"客户 {i}", email=f"c{i}@bench.example", tier="standard",
                source="email", locale="zh-CN" if i % 2 else "en", fields={},
                created_at=stamp, updated_at=stamp) for i in ids])
            insert_many(session, TICKETS, [dict(
                id=i, subject=f"打印机 {i} 坏了", status="solved", priority="normal",
                channel="email", customer_id=i, created_at=solved - timedelta(hours=5),
                updated_at=solved, solved_at=solved) for i in ids])
            insert_many(session, SURVEYS, [dict(
                ticket_id=i, customer_id=i, status=SurveyStatus.scheduled, skip_reason="",
                due_at=stamp - timedelta(minutes=1), channel="email", tier="standard",
                solved_at=solved, resolution_seconds=5 * 3600, comment="", answers=0,
                created_at=solved) for i in ids])
        session.commit()


RUNNER_ERRORS: list[str] = []


def _run_one(db: Database, job_id: int) -> None:
    """As `desk worker`'s loop does: a pass that fails (a database too busy to claim the job)
    is logged and the job is taken again by the next pass."""
    try:
        execute_job(db, job_id)
    except OperationalError as exc:
        RUNNER_ERRORS.append(str(exc.orig))


def run_jobs(db: Database, workers: int) -> int:
    ran = 0
    with ThreadPoolExecutor(workers) as pool:
        while ids := due_jobs(db, 1000):
            list(pool.map(lambda job_id: _run_one(db, job_id), ids))
            ran += len(ids)
    return ran


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--surveys", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--server", choices=("in-process", "process"), default="in-process",
                        help="aiosmtpd in this process (with a login), or in a process of its "
                             "own that discards what it takes (no login)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="desk-bench-surveys-"))
    smtp: SmtpServer | SinkServer = (
        SmtpServer(user="desk", password="smtp-secret").start() if args.server == "in-process"
        else SinkServer().start())
    pg = PostgresDatabase() if args.backend == "postgres" else None
    try:
        env = {"DESK_DATA_DIR": str(folder), "DESK_SECRET_KEY": SECRET_KEY,
               "DESK_BASE_URL": "https://desk.bench.example"}
        if pg is not None:
            env["DESK_DATABASE_URL"] = pg.url
        settings = load_settings(env)
        engine = make_engine(settings.database_url)
        upgrade(engine)
        db = Database(settings, engine)
        say(f"seeding {args.surveys} due surveys ({args.backend})")
        seed(db, args.surveys, smtp)
        say("sending")
        started, cpu_started = time.perf_counter(), time.process_time()
        execute_job(db, _queue_send_job(db))
        queued_at = time.perf_counter() - started
        jobs = run_jobs(db, args.workers)
        elapsed = time.perf_counter() - started
        # This process's CPU time (every thread; the in-process SMTP server's too): what the
        # wall clock would approach on an idle machine with one core for it.
        cpu = time.process_time() - cpu_started
        received = smtp.received(db) if isinstance(smtp, SinkServer) else len(smtp.messages)
        say(f"{received} mails received in {elapsed:.1f} s")
        print(json.dumps({
            "bench": "survey_send", "backend": args.backend, "server": args.server,
            "surveys": args.surveys,
            "workers": args.workers, "received": received, "send_jobs": jobs,
            "outbox_written_s": round(queued_at, 2), "seconds": round(elapsed, 2),
            "cpu_seconds": round(cpu, 2), "runner_errors": len(RUNNER_ERRORS),
            "per_second": round(received / elapsed, 1), "target_seconds": TARGET_SECONDS,
            "met": received == args.surveys and elapsed <= TARGET_SECONDS,
        }))
        db.dispose()
    finally:
        smtp.stop()
        if pg is not None:
            pg.drop()
        shutil.rmtree(folder, ignore_errors=True)


def _queue_send_job(db: Database) -> int:
    with db.session() as session:
        job_id = enqueue(session, "send_due_surveys")
        commit(session)
    return job_id


if __name__ == "__main__":
    main()
