"""Running one job row: claim it, call its function, record the outcome.

Both backends (in-process and arq) call ``execute_job``; retries and the final
'dead' state live here, in the database, so admins see failures either way.
"""

from __future__ import annotations

import logging
import os
import socket
import traceback
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from desk.db import Database
from desk.jobs.backoff import backoff
from desk.jobs.functions import JOBS, JobContext, JobFunction
from desk.logs import current_context
from desk.models import Job, JobStatus
from desk.models.base import aware, now

log = logging.getLogger("desk.jobs")
STALE_AFTER = timedelta(minutes=10)


def process_name() -> str:
    """This process as a job's ``claimed_by`` names it: host and pid."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}"


def _gone(claimed_by: str) -> bool:
    """Whether the process named ran on this host and is no longer alive."""
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname()[:100] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def claim(db: Database, job_id: int) -> Job | None:
    """Mark a due, queued job running; None when another runner has it or it is not due.

    While running, ``run_at`` holds the start time, which is how a sweep tells a
    job abandoned by a killed process."""
    with db.session() as session:
        result = session.execute(
            update(Job)
            .where(col(Job.id) == job_id, col(Job.status) == JobStatus.queued,
                   col(Job.run_at) <= now())
            .values(status=JobStatus.running, attempts=col(Job.attempts) + 1, run_at=now(),
                    claimed_by=process_name())
        )
        session.commit()
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return session.get(Job, job_id)


def execute_job(db: Database, job_id: int, functions: Mapping[str, JobFunction] = JOBS) -> Job | None:
    """Run a job once if it is due; returns the job row as it ends up, or None."""
    token = current_context.set(f"job={job_id}")
    try:
        return _execute(db, job_id, functions)
    finally:
        current_context.reset(token)


def _execute(db: Database, job_id: int, functions: Mapping[str, JobFunction]) -> Job | None:
    job = claim(db, job_id)
    if job is None:
        return None
    error = ""
    try:
        if job.name not in functions:
            raise LookupError(f"no job function named {job.name!r}")
        functions[job.name](JobContext(db), **job.args)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the job row
        error = "".join(traceback.format_exception_only(exc)).strip()
        log.warning("job=%s name=%s attempt=%s failed: %s", job.id, job.name, job.attempts, error)
        log.debug("job=%s traceback\n%s", job.id, traceback.format_exc())
    with db.session() as session:
        row = session.get(Job, job_id)
        assert row is not None
        if not error:
            row.status = JobStatus.done
            row.finished_at = now()
            log.info("job=%s name=%s done attempt=%s", row.id, row.name, row.attempts)
        elif row.attempts >= row.max_attempts:
            row.status = JobStatus.dead
            row.last_error = error
            row.finished_at = now()
            log.error("job=%s name=%s gave up after %s attempts", row.id, row.name, row.attempts)
        else:
            row.status = JobStatus.queued
            row.last_error = error
            row.run_at = now() + backoff(row.attempts)
        session.add(row)
        session.commit()
        return row


def due_jobs(db: Database, limit: int = 100) -> list[int]:
    """Queued jobs whose time has come, and running ones abandoned by a dead process (at once
    when it ran on this host, else after STALE_AFTER)."""
    with db.session() as session:
        running = session.exec(select(Job.id, Job.run_at, Job.claimed_by).where(
            col(Job.status) == JobStatus.running).limit(1000)).all()
        stale = now() - STALE_AFTER
        abandoned = [i for i, started, by in running
                     if _gone(by) or aware(started) < stale]
        if abandoned:  # a write (and on SQLite the lock) only when there is one
            session.execute(
                update(Job)
                .where(col(Job.id).in_(abandoned), col(Job.status) == JobStatus.running)
                .values(status=JobStatus.queued)
            )
            session.commit()
        query = (
            select(Job.id)
            .where(Job.status == JobStatus.queued, col(Job.run_at) <= now())
            .order_by(col(Job.run_at))
            .limit(limit)
        )
        return [i for i in session.exec(query) if i is not None]


def retry_job(db: Database, job_id: int) -> bool:
    """Give a dead job a fresh set of attempts (an admin's 'retry')."""
    with db.session() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != JobStatus.dead:
            return False
        job.status = JobStatus.queued
        job.attempts = 0
        job.run_at = now()
        session.add(job)
        session.commit()
        return True
