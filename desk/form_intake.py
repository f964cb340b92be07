"""The web form's intake process: requests are stored by `desk serve`, made tickets here.

A form's POST stores the request as sent in the spool (`desk.form_spool`, a SQLite file of
its own: one row, written on the loop with whatever else arrived in the same turn) and answers
303 at once; the intake (customer, ticket, search words, rules,
SLA, acknowledgement, events) runs in this child process of `desk serve`, on the machine's
other core, in batches of whatever arrived meanwhile. Measured on a two-core machine, the
intake was 60 % of the server's time per submission (`bench.webform`); in the request's
process it capped the form at a third of a bare Starlette form.

The two processes talk over the child's standard streams, one JSON line at a time:
- `desk serve` writes a newline when it has stored requests (a wake-up); the child also
  looks every POLL_SECONDS, so requests stored by another process are taken too, and at
  start it takes what a killed predecessor left. One child takes from a spool at a time
  (it holds `form-spool.lock`); another waits for the lock.
- The child writes `{"done": [[id, token], ...]}` after each commit (the request pages
  waiting for those requests answer at once), and what its commits hand over: `{"jobs"}`
  (the job runner of `desk serve` starts them) and `{"live"}` (notices for open agent pages,
  on SQLite; PostgreSQL sends them itself).
- End of its standard input (`desk serve` stopped, or was killed) ends the child after the
  batch in hand. A child that dies is started again.

A request is a ticket exactly once: its ledger row (`FormSubmission`) is written in the
transaction that opens its ticket (`ingest_requests`); the spool forgets it after that
commit, and a request the ledger holds is never taken again."""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import select
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

from channels.message import InboundMessage
from desk.actions.ingest.submissions import Taken, ingest_requests, record_failure, to_payload
from desk.db import Database, commit
from desk.form_spool import LOCK_FILE, Spool
from desk.settings import Settings, load_settings, settings_env

log = logging.getLogger("desk.form_intake")

BATCH = 200  # requests per transaction
BUSY = 10  # a drain that took this many requests...
GATHER_SECONDS = 0.02  # ...is followed by this pause before the next
POLL_SECONDS = 1.0  # the child looks for requests this often without a wake-up
RESTART_SECONDS = 1.0  # a dead child is started again after this
STOP_SECONDS = 5.0  # a stopping child may finish its batch this long
LINE_LIMIT = 16 * 1024 * 1024  # the longest line the child writes (live notices of a batch)
_FAILURES = (SQLAlchemyError, sqlite3.Error, ValueError, KeyError, TypeError, OSError)

Emit = Callable[[dict[str, Any]], None]


class FormIntake:
    """`desk serve`'s side: stores requests, wakes the child, relays what it reports."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.spool = Spool(settings.data_dir)
        self._pending: list[tuple[str, asyncio.Future[int]]] = []
        self._store_booked = False
        self._reported = 0  # the child has all requests up to this one in its ledger
        self._forgotten = 0
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._waiters: dict[int, list[asyncio.Future[str]]] = {}
        self._stopping = False

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
        env.update(settings_env(self.settings))
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "desk.form_intake",
            logging.getLevelName(logging.getLogger().getEffectiveLevel()), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env=env, limit=LINE_LIMIT)
        self._reader = asyncio.create_task(self._read(self._process))

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def submit(self, message: InboundMessage) -> int:
        """Store one request; its id in the spool, once committed."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append((to_payload(message), future))
        if len(self._pending) >= BATCH:
            self._store()
        elif not self._store_booked:
            self._store_booked = True
            asyncio.get_running_loop().call_soon(self._store)
        return await future

    def _store(self) -> None:
        """Everything submitted in this loop turn in one transaction: the spool has one
        writer, so it never waits for a lock; it runs on the loop."""
        self._store_booked = False
        batch, self._pending = self._pending, []
        if not batch:
            return
        forget = self._reported if self._reported > self._forgotten else 0
        try:
            ids = self.spool.store([payload for payload, _future in batch], forget)
        except (sqlite3.Error, OSError) as exc:
            for _payload, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        self._forgotten = max(self._forgotten, forget)
        for (_payload, future), request_id in zip(batch, ids, strict=True):
            if not future.done():  # done: the client went away; the request is kept
                future.set_result(request_id)
        self._wake()

    def _wake(self) -> None:
        process = self._process
        if process is not None and process.stdin is not None and not process.stdin.is_closing():
            process.stdin.write(b"\n")

    async def wait(self, submission_id: int, timeout: float) -> None:
        """Until the child reports this request done, or `timeout` seconds."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(submission_id, []).append(future)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            pass
        finally:
            waiting = self._waiters.get(submission_id, [])
            if future in waiting:
                waiting.remove(future)
            if not waiting:
                self._waiters.pop(submission_id, None)

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        while True:
            try:
                line = await process.stdout.readline()
            except ValueError:  # a line over LINE_LIMIT: cannot happen with BATCH; skip it
                log.error("form intake: a report line over %d bytes was skipped", LINE_LIMIT)
                continue
            if not line:
                break
            try:
                self._report(json.loads(line))
            except Exception:  # one bad report must not stop the relay
                log.exception("form intake: report not handled")
        await process.wait()
        if not self._stopping:
            log.error("form intake process ended (exit %s); starting it again", process.returncode)
            await asyncio.sleep(RESTART_SECONDS)
            if not self._stopping:
                await self.start()

    def _report(self, report: dict[str, Any]) -> None:
        if "jobs" in report and self.db.on_jobs is not None:
            self.db.on_jobs([int(i) for i in report["jobs"]])
        if "live" in report and self.db.on_live is not None:
            self.db.on_live(report["live"])
        for submission_id, token in report.get("done", []):
            self._reported = max(self._reported, int(submission_id))
            for future in self._waiters.pop(int(submission_id), []):
                if not future.done():
                    future.set_result(str(token))

    async def stop(self) -> None:
        self._stopping = True
        process = self._process
        if process is None:
            return
        if process.stdin is not None and not process.stdin.is_closing():
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()
        if self._reader is not None:
            await self._reader
        self._process = None
        self.spool.close()


# The child.

class Taker:
    """The child's side: takes stored requests from the spool into the main database."""

    def __init__(self, db: Database, settings: Settings, emit: Emit) -> None:
        self.db = db
        self.settings = settings
        self.emit = emit
        self.spool = Spool(settings.data_dir)
        self.last = 0  # the newest request taken (or found in the ledger) so far

    def drain(self) -> int:
        """Take every stored request, BATCH to a transaction; how many were taken."""
        total = 0
        while True:
            requests = self.spool.after(self.last, BATCH)
            if not requests:
                return total
            try:
                with self.db.session() as session:
                    taken = ingest_requests(session, self.settings, self.spool.id, requests)
                    commit(session)
            except _FAILURES as exc:
                log.warning("form intake: a batch failed (%s); taking its requests one by one", exc)
                taken = [self._alone(request_id, payload) for request_id, payload in requests]
            self.last = requests[-1][0]
            self.emit({"done": [[t.request_id, t.token] for t in taken]})
            total += len(requests)

    def _alone(self, request_id: int, payload: str) -> Taken:
        """One request in a transaction of its own; failing alone too, it is recorded failed
        (its payload kept) and costs the others nothing. A database that is away raises."""
        try:
            with self.db.session() as session:
                (taken,) = ingest_requests(session, self.settings, self.spool.id,
                                           [(request_id, payload)])
                commit(session)
            return taken
        except _FAILURES as exc:
            log.error("form intake: request %d failed: %s", request_id, exc)
            with self.db.session() as session:
                failed = record_failure(session, self.spool.id, request_id, payload,
                                        f"{type(exc).__name__}: {exc}")
                commit(session)
            return failed


def _hold_lock(data_dir: Path, stdin_fd: int) -> TextIO | None:
    """The spool's lock, waited for while stdin stays open; None when stdin ended first."""
    handle = (data_dir / LOCK_FILE).open("a")
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:  # a predecessor is finishing its batch
            ready, _, _ = select.select([stdin_fd], [], [], 0.2)
            if ready and not os.read(stdin_fd, 65536):
                handle.close()
                return None


def run(db: Database, settings: Settings, stdin_fd: int, emit: Emit) -> None:
    """Take requests when woken (a line on stdin) or every POLL_SECONDS, until stdin ends."""
    db.on_jobs = lambda ids: emit({"jobs": ids})
    if settings.is_sqlite:
        db.on_live = lambda notices: emit({"live": notices})
    lock = _hold_lock(settings.data_dir, stdin_fd)
    if lock is None:
        return
    taker = Taker(db, settings, emit)
    try:
        open_input = True
        while open_input:
            try:
                if taker.drain() >= BUSY:
                    # Busy: let what arrives meanwhile gather into a larger batch, which costs
                    # less per request (the web process needs that core time too).
                    time.sleep(GATHER_SECONDS)
            except _FAILURES:  # the database is away: try again at the next wake-up or poll
                log.exception("form intake: requests not taken")
            ready, _, _ = select.select([stdin_fd], [], [], POLL_SECONDS)
            if ready:
                open_input = bool(os.read(stdin_fd, 65536))
        taker.drain()  # what was stored before desk serve stopped
    finally:
        taker.spool.close()
        lock.close()


def main() -> int:
    from desk import handlers  # noqa: F401 - the intake records events: their handlers first
    from desk.logs import configure

    configure(sys.argv[1] if len(sys.argv) > 1 else "WARNING")  # desk serve's level
    settings = load_settings()
    db = Database(settings)
    out = sys.stdout.buffer

    def emit(report: dict[str, Any]) -> None:
        out.write(json.dumps(report, ensure_ascii=False).encode() + b"\n")
        out.flush()

    try:
        run(db, settings, sys.stdin.fileno(), emit)
    except BrokenPipeError:  # desk serve is gone
        pass
    finally:
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
