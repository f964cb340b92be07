"""Fault tests: `desk serve` and `desk smtpd` killed with SIGKILL in the middle of taking in
requests and mail, then started again on the same data. What a customer was told was
received (the web form's 303 to the request's page, the SMTP 250) is there afterwards,
once; nothing is taken in twice."""

from __future__ import annotations

import http.client
import os
import signal
import smtplib
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from desk.actions.audit import SYSTEM
from desk.actions.mail.mailboxes import create_mailbox
from desk.db import Database, commit
from desk.form_spool import Spool
from desk.models import FormSubmission, Message, RawMessage, RawStatus, Survey, Ticket, User
from desk.settings import Settings
from tests.browser.conftest import _desk_command, _free_port, _stop, _wait_until_healthy
from tests.smtp_server import SmtpServer

RUN_SECONDS = 1.5  # taking in before the kill, at least
ENOUGH_WAIT = 30.0  # a loaded machine answers slowly: the kill waits for enough answers this long


def _taking_in(answered: list[str], enough: int) -> None:
    """Let the clients run RUN_SECONDS, and on, until the desk has answered `enough` of them
    (a loaded CI machine is slow to start answering), so the kill lands while it takes work in."""
    time.sleep(RUN_SECONDS)
    deadline = time.monotonic() + ENOUGH_WAIT
    while len(answered) < enough and time.monotonic() < deadline:
        time.sleep(0.05)
CLIENTS = 4
REDIS_OUTAGE_SECONDS = 60  # "Redis stopped for a minute"
# The killed workers' claims on their mails last four times this (desk.mail.sender.CLAIM):
# short, so a test does not wait two minutes for them.
SMTP_TIMEOUT = 5


def _env(settings: Settings, url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    env.update({"DESK_DATA_DIR": str(settings.data_dir), "DESK_DATABASE_URL": settings.database_url,
                "DESK_SECRET_KEY": str(settings.secret_key), "DESK_FORM_RATE_LIMIT": "100000",
                "DESK_BASE_URL": url or "http://127.0.0.1"})
    return env


def _serve(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        process = subprocess.Popen([*_desk_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   env=_env(settings, url), cwd=log.parent, stdout=out,
                                   stderr=subprocess.STDOUT)
    _wait_until_healthy(process, url, log)
    return process


def _killed(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


@pytest.fixture
def log(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "desk.log"
    path.touch()
    yield path


def _post_forms(port: int, client: int, acknowledged: list[str], stop: threading.Event) -> None:
    """Send the form again and again; note each subject the desk answered 303 to."""
    n = 0
    while not stop.is_set():
        subject = f"Fault {client}-{n}"
        body = urllib.parse.urlencode({"name": "Kim", "email": f"kim{client}@example.com",
                                       "subject": subject, "message": "It is off.", "website": ""})
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", "/requests", body,
                         {"Content-Type": "application/x-www-form-urlencoded"})
            if conn.getresponse().status == 303:
                acknowledged.append(subject)
            conn.close()
        except (OSError, http.client.HTTPException):
            time.sleep(0.01)  # the server is gone: try again until told to stop
        n += 1


def _intake_caught_up(db: Database, settings: Settings, timeout: float = 60.0) -> None:
    """Until desk serve's form intake has taken every request in the spool."""
    spool = Spool(settings.data_dir)
    try:
        stored = spool.last_stored()
    finally:
        spool.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session() as s:
            taken = s.exec(select(func.max(FormSubmission.request_id))).one() or 0
        if taken >= stored:
            return
        time.sleep(0.1)
    raise AssertionError(f"the form intake took requests up to {taken} of {stored} in {timeout} s")


def test_a_killed_desk_serve_loses_no_request_it_acknowledged_and_takes_none_twice(
    db: Database, settings: Settings, log: Path,
) -> None:
    port = _free_port()
    process = _serve(settings, port, log)
    acknowledged: list[str] = []
    stop = threading.Event()
    clients = [threading.Thread(target=_post_forms, args=(port, i, acknowledged, stop))
               for i in range(CLIENTS)]
    try:
        for thread in clients:
            thread.start()
        _taking_in(acknowledged, 20)
        _killed(process)
        stop.set()
        for thread in clients:
            thread.join(10)
        assert len(acknowledged) > 10, "the desk answered too few forms to test anything"
        process = _serve(settings, port, log)  # started again on the same data
        _intake_caught_up(db, settings)  # the requests stored before the kill are tickets
        with db.session() as s:
            subjects = Counter(t.subject for t in s.exec(select(Ticket)))
        assert not [a for a in acknowledged if subjects[a] != 1], "lost or doubled"
        assert all(n == 1 for n in subjects.values())
        # And it takes requests again.
        stop.clear()
        again: list[str] = []
        after = threading.Thread(target=_post_forms, args=(port, 99, again, stop))
        after.start()
        time.sleep(0.3)
        stop.set()
        after.join(10)
        assert again
    finally:
        stop.set()
        _stop(process)


def _deliver(port: int, accepted: list[str], stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        message_id = f"<fault-{n}@example.com>"
        raw = (f"From: Carla <carla@example.com>\r\nTo: support@desk.test\r\nSubject: Fault {n}\r\n"
               f"Message-ID: {message_id}\r\n\r\nThe printer is off.\r\n").encode()
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
                if not client.sendmail("carla@example.com", ["support@desk.test"], raw):
                    accepted.append(message_id)
        except (OSError, smtplib.SMTPException):
            time.sleep(0.01)
        n += 1


def _smtpd(settings: Settings, port: int, log: Path) -> subprocess.Popen[str]:
    with log.open("a") as out:
        process = subprocess.Popen([*_desk_command(), "--log-level", "WARNING", "smtpd", "--port",
                                    str(port)], env=_env(settings), stdout=subprocess.PIPE,
                                   stderr=out, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().startswith("desk smtpd:"), log.read_text()
    return process


def test_a_killed_desk_smtpd_ingests_every_mail_it_answered_250_once_after_a_restart(
    db: Database, settings: Settings, log: Path,
) -> None:
    with db.session() as s:
        create_mailbox(s, settings, SYSTEM, "support", "support@desk.test", None, None)
        commit(s)
    port = _free_port()
    process = _smtpd(settings, port, log)
    accepted: list[str] = []
    stop = threading.Event()
    sender = threading.Thread(target=_deliver, args=(port, accepted, stop))
    try:
        sender.start()
        _taking_in(accepted, 10)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
        stop.set()
        sender.join(10)
        assert len(accepted) > 5, "too few mails were accepted to test anything"
        process = _smtpd(settings, port, log)  # ingests what the killed one left stored
        deadline = time.monotonic() + 60
        while True:
            with db.session() as s:
                statuses = [r.status for r in s.exec(select(RawMessage))]
            if statuses and RawStatus.stored not in statuses:
                break
            assert time.monotonic() < deadline, Counter(statuses)
            time.sleep(0.1)
        with db.session() as s:
            ids = Counter(m.message_id for m in s.exec(select(Message).where(
                col(Message.message_id).like("<fault-%"))))
        assert not [a for a in accepted if ids[a] != 1], "lost or doubled"
        assert all(n == 1 for n in ids.values())
    finally:
        stop.set()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        if process.stdout is not None:
            process.stdout.close()


def _redis(port: int, tmp: Path) -> subprocess.Popen[bytes]:
    """A Redis of this test's own (it keeps nothing on disk), to stop and start again."""
    process = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly",
                                "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                         text=True).stdout.strip() != "PONG":
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    return process


def _form(port: int, subject: str) -> int:
    body = urllib.parse.urlencode({"name": "Kim", "email": "kim@example.com", "subject": subject,
                                   "message": "It is off.", "website": ""})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/requests", body, {"Content-Type": "application/x-www-form-urlencoded"})
    status = conn.getresponse().status
    conn.close()
    return status


def test_with_redis_stopped_for_a_while_requests_are_taken_and_every_job_runs_once_after(
    db: Database, settings: Settings, log: Path, tmp_path: Path, smtp_server: SmtpServer,
) -> None:
    """desk serve and desk worker on arq with a Redis that goes away for a minute and comes
    back: forms are still answered, neither process dies, and each acknowledgement mail goes
    out exactly once afterwards."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL + Redis run has the multi-process set-up")
    with db.session() as s:
        create_mailbox(s, settings, SYSTEM, "support", "support@desk.test", None, smtp_server.url)
        commit(s)
    redis_port, port = _free_port(), _free_port()
    redis_server = _redis(redis_port, tmp_path)
    env = {**_env(settings, f"http://127.0.0.1:{port}"), "DESK_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
    processes: list[subprocess.Popen[bytes]] = []

    def acknowledged() -> Counter[str]:
        return Counter(str(m.message["Subject"]) for m in list(smtp_server.messages))

    def wait_for(subjects: list[str], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not all(any(s in got for got in acknowledged()) for s in subjects):
            assert time.monotonic() < deadline, (subjects, acknowledged(), log.read_text()[-3000:])
            time.sleep(0.2)

    try:
        with log.open("ab") as out:
            for args in (["serve", "--host", "127.0.0.1", "--port", str(port)], ["worker"]):
                processes.append(subprocess.Popen([*_desk_command(), *args], env=env, cwd=tmp_path,
                                                  stdout=out, stderr=subprocess.STDOUT))
        _wait_until_healthy(processes[0], f"http://127.0.0.1:{port}", log)
        assert _form(port, "Before the outage") == 303
        wait_for(["Before the outage"], 30)

        redis_server.terminate()
        redis_server.wait(10)
        during = [f"During the outage {n}" for n in range(3)]
        assert [_form(port, s) for s in during] == [303, 303, 303]  # taken, stored
        time.sleep(REDIS_OUTAGE_SECONDS - 2)
        assert _form(port, "Late in the outage") == 303  # still taking requests a minute on
        during.append("Late in the outage")
        assert all(p.poll() is None for p in processes), log.read_text()[-3000:]
        redis_server = _redis(redis_port, tmp_path)  # back, empty: the jobs are found again
        wait_for(during, 120)
        assert all(p.poll() is None for p in processes), log.read_text()[-3000:]
        counts = acknowledged()
        assert all(n == 1 for n in counts.values()), counts
    finally:
        for process in processes:
            _stop(process)
        redis_server.terminate()
        redis_server.wait(10)


def _worker(env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([*_desk_command(), "worker"], env=env, cwd=cwd, stdout=out,
                                stderr=subprocess.STDOUT)


def _killed_while_sending(process: subprocess.Popen[bytes], sent: Callable[[], int],
                          env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """Once `desk worker` has sent three mails: killed with SIGKILL, and a new one started."""
    deadline = time.monotonic() + 60
    while sent() < 3:
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    return _worker(env, cwd, log)


def test_a_killed_desk_worker_sends_every_queued_mail_after_a_restart(
    db: Database, settings: Settings, log: Path, tmp_path: Path, smtp_server: SmtpServer,
) -> None:
    """`desk worker` killed with SIGKILL while it sends acknowledgements to a slow server: a
    new worker sends every one (the one in flight may go twice: SMTP cannot tell), at once."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL + Redis run has desk worker")

    from channels.message import Identity, InboundMessage
    from desk.actions.ingest.one import ingest_message
    from tests.conftest import redis_test_url

    smtp_server.delay = 0.3
    with db.session() as s:
        create_mailbox(s, settings, SYSTEM, "support", "support@desk.test", None, smtp_server.url)
        commit(s)
        subjects = [f"Printer {n} is off" for n in range(12)]
        for n, subject in enumerate(subjects):
            ingest_message(s, settings, InboundMessage(
                "web", Identity("email", f"kim{n}@example.com", "Kim"), subject, "It is off."))
        commit(s)
    redis_url = redis_test_url()
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    env = {**_env(settings), "DESK_REDIS_URL": redis_url,
           "DESK_SMTP_TIMEOUT": str(SMTP_TIMEOUT)}

    def sent() -> Counter[str]:
        return Counter(str(m.message["Subject"]).split("] ", 1)[-1] for m in list(smtp_server.messages))

    process = _worker(env, tmp_path, log)
    try:
        process = _killed_while_sending(process, lambda: sum(sent().values()), env, tmp_path, log)
        # The dead worker's jobs are taken up at once (not after STALE_AFTER); a mail it was
        # sending waits for its outbox lease (desk.mail.sender.CLAIM: 4 x SMTP_TIMEOUT) to end.
        deadline = time.monotonic() + SMTP_TIMEOUT * 4 + 200
        while not all(sent()[s] for s in subjects):
            assert time.monotonic() < deadline, (sent(), log.read_text()[-3000:])
            time.sleep(0.2)
        # At least once; twice only for a mail in flight at the kill (SMTP cannot tell).
        assert max(sent().values()) <= 2, sent()
    finally:
        _stop(process)
        client.flushdb()
        client.close()


def test_a_killed_desk_worker_sends_every_due_survey_once_after_a_restart(
    db: Database, settings: Settings, log: Path, tmp_path: Path, smtp_server: SmtpServer,
    make_user: Callable[..., User],
) -> None:
    """`desk worker` killed with SIGKILL while it mails a batch of due surveys to a slow
    server: a new worker mails every one; none twice but the one in flight at the kill."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL + Redis run has desk worker")
    import redis

    from tests.conftest import redis_test_url
    from tests.desk.surveys.helpers import clock_moves, mailed_ticket, run_due_jobs, solve

    with db.session() as s:
        create_mailbox(s, settings, SYSTEM, "support", "support@desk.test", None, smtp_server.url)
        commit(s)
    agent = make_user("agent")
    customers = [f"survey{n}@example.com" for n in range(12)]
    for email in customers:
        solve(db, agent, mailed_ticket(db, settings, email=email))
    run_due_jobs(db)  # the surveys are scheduled (and the acknowledgements sent) in-process
    smtp_server.messages.clear()
    clock_moves(db, 61)  # the surveys and their sending job are due: the worker's work
    smtp_server.delay = 0.3
    redis_url = redis_test_url()
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    env = {**_env(settings), "DESK_REDIS_URL": redis_url,
           "DESK_SMTP_TIMEOUT": str(SMTP_TIMEOUT)}

    def surveyed() -> Counter[str]:  # the acknowledgements went before the clear above
        return Counter(to for m in list(smtp_server.messages) for to in m.rcpt_tos)

    process = _worker(env, tmp_path, log)
    try:
        process = _killed_while_sending(process, lambda: sum(surveyed().values()), env, tmp_path,
                                        log)
        # What the dead worker had claimed waits for its lease (CLAIM) to end, then goes.
        deadline = time.monotonic() + SMTP_TIMEOUT * 4 + 200
        while not all(any(c in to for to in surveyed()) for c in customers):
            assert time.monotonic() < deadline, (surveyed(), log.read_text()[-3000:])
            time.sleep(0.2)
        counts = surveyed()
        assert sum(counts.values()) <= len(customers) + 1, counts  # at most the one in flight
        with db.session() as s:
            states = Counter(str(v.status) for v in s.exec(select(Survey)))
        assert states == Counter({"sent": len(customers)}), states
    finally:
        _stop(process)
        client.flushdb()
        client.close()


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own (Debian's binaries, run as the postgres
    user), to restart while Desk uses it."""

    def __init__(self) -> None:
        import glob
        import shutil
        import tempfile

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found or shutil.which("runuser") is None:
            pytest.skip("no PostgreSQL server binaries to run a cluster of our own")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="desk-pg-"))
        shutil.chown(self.dir, "postgres")
        self.port = _free_port()
        self._as_postgres([str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-A", "trust",
                           "-U", "postgres", "--no-sync"])
        self.start()

    def _as_postgres(self, args: list[str]) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self._as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "-l",
                           str(self.dir / "log"), "-o", f"-p {self.port} -k {self.dir} "
                           "-c listen_addresses=127.0.0.1 -c fsync=off", "start"])

    def restart(self) -> None:
        self._as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "-m",
                           "fast", "-l", str(self.dir / "log"), "-o", f"-p {self.port} -k {self.dir} "
                           "-c listen_addresses=127.0.0.1 -c fsync=off", "restart"])

    def stop(self) -> None:
        import shutil

        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D",
                        str(self.dir / "data"), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def test_after_postgresql_restarts_desk_serve_takes_requests_again_and_lost_none_it_acknowledged(
    settings: Settings, log: Path, tmp_path: Path,
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL run restarts a PostgreSQL of its own")
    from sqlalchemy import create_engine, text

    pg = PrivatePostgres()
    try:
        env = {**_env(settings), "DESK_DATABASE_URL": pg.url}
        subprocess.run([*_desk_command(), "migrate"], env=env, check=True, capture_output=True)
        port = _free_port()
        with log.open("ab") as out:
            process = subprocess.Popen([*_desk_command(), "serve", "--host", "127.0.0.1", "--port",
                                        str(port)], env={**env, "DESK_BASE_URL": f"http://127.0.0.1:{port}"},
                                       cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
        _wait_until_healthy(process, f"http://127.0.0.1:{port}", log)
        acknowledged: list[str] = []
        stop = threading.Event()
        clients = [threading.Thread(target=_post_forms, args=(port, i, acknowledged, stop))
                   for i in range(2)]
        try:
            for thread in clients:
                thread.start()
            time.sleep(1.0)
            pg.restart()  # every connection Desk holds is cut
            before = len(acknowledged)
            time.sleep(2.0)
            stop.set()
            for thread in clients:
                thread.join(10)
            assert len(acknowledged) > before, "no request was taken after the restart"
            _wait_until_healthy(process, f"http://127.0.0.1:{port}", log)
        finally:
            stop.set()
            _stop(process)
        engine = create_engine(pg.url)
        with engine.connect() as conn:
            subjects = Counter(row[0] for row in conn.execute(text("SELECT subject FROM ticket")))
        engine.dispose()
        assert not [a for a in acknowledged if subjects[a] != 1], "lost or doubled"
    finally:
        pg.stop()
