"""The embedded job runner: a task in the web server's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping

from desk.db import Database
from desk.jobs.functions import JOBS, JobFunction
from desk.jobs.runner import due_jobs, execute_job

log = logging.getLogger("desk.jobs")


class InProcessRunner:
    """Runs due jobs as soon as a commit creates them, and sweeps every second."""

    kind = "in-process"

    def __init__(self, db: Database, functions: Mapping[str, JobFunction] = JOBS,
                 poll_seconds: float = 1.0) -> None:
        self.db = db
        self.functions = functions
        self.poll_seconds = poll_seconds
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.last_error = ""
        self._stopping = False

    def notify(self, job_ids: list[int]) -> None:
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.db.on_jobs = self.notify
        self._task = asyncio.create_task(self._run(), name="desk-jobs")

    async def stop(self) -> None:
        """Let the job in hand finish, then end the loop."""
        self.db.on_jobs = None
        self._stopping = True
        if self._wake is not None:
            self._wake.set()
        if self._task is not None:
            await self._task

    @property
    def healthy(self) -> bool:
        return self._task is not None and not self._task.done()

    async def run_pending(self) -> int:
        """Run every job due now; returns how many ran."""
        ran = 0
        while True:
            # In a thread too: the sweep runs every second and must not hold up requests.
            ids = await asyncio.to_thread(due_jobs, self.db)
            if not ids:
                return ran
            for job_id in ids:
                if self._stopping:
                    return ran
                # In a thread: a job waiting on a mail server must not stall the web app.
                await asyncio.to_thread(execute_job, self.db, job_id, self.functions)
                ran += 1
                await asyncio.sleep(0)  # let requests in between jobs

    async def _run(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            self._wake.clear()
            try:
                await self.run_pending()
                self.last_error = ""
            except Exception as exc:  # noqa: BLE001 - e.g. the database is down: try again
                self.last_error = str(exc)
                log.exception("job runner pass failed")
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a
            # cancellation that arrives as the wait ends.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._wake.wait()
