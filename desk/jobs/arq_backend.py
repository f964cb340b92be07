"""Jobs on arq: commits enqueue ``run_job(job_id)``; ``desk worker`` runs them.

The job row stays the record: arq only carries the id. A lost Redis entry is
found again by the sweep that runs when a worker starts and every minute.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from datetime import datetime
from typing import Any

from arq import create_pool, cron
from arq.connections import ArqRedis, RedisSettings
from redis.exceptions import RedisError

from desk.db import Database
from desk.jobs.runner import due_jobs, execute_job
from desk.kb_index import START_UP_WAIT_SECONDS, ensure_index_in_background
from desk.mail.poller import MailPoller
from desk.models import Job
from desk.settings import Settings, load_settings

log = logging.getLogger("desk.jobs")


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


class ArqEnqueuer:
    """Called after each commit with the new job ids; pushes them to Redis."""

    kind = "arq"

    def __init__(self, db: Database, redis_url: str) -> None:
        self.db = db
        self.redis_url = redis_url
        self.pool: ArqRedis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.last_error = ""
        self._tasks: set[asyncio.Future[None]] = set()

    async def start(self) -> None:
        self.pool = await create_pool(redis_settings(self.redis_url))
        self._loop = asyncio.get_running_loop()
        self.db.on_jobs = self.notify

    async def stop(self) -> None:
        self.db.on_jobs = None
        if self.pool is not None:
            await self.pool.aclose()

    @property
    def healthy(self) -> bool:
        return self.pool is not None and not self.last_error

    def notify(self, job_ids: list[int]) -> None:
        """Called after a commit, from the event loop or from a worker thread."""
        loop = self._loop
        if loop is None:
            return
        for job_id in job_ids:
            loop.call_soon_threadsafe(self._spawn, job_id)

    def _spawn(self, job_id: int) -> None:
        task = asyncio.ensure_future(self.enqueue(job_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def enqueue(self, job_id: int, defer_until: datetime | None = None) -> None:
        assert self.pool is not None
        try:
            await enqueue_run(self.pool, job_id, defer_until)
            self.last_error = ""
        except (OSError, RedisError) as exc:  # Redis unreachable: the sweep re-enqueues later
            self.last_error = str(exc)
            log.warning("job=%s could not be enqueued: %s", job_id, exc)


async def enqueue_run(pool: ArqRedis, job_id: int, defer_until: datetime | None = None,
                      bucket: str = "") -> None:
    # The attempt number is not known here; a time bucket keeps arq's de-duplication
    # from refusing a retry while still collapsing duplicate sweeps.
    key = f"desk-job:{job_id}:{int(defer_until.timestamp() if defer_until else 0)}{bucket}"
    await pool.enqueue_job("run_job", job_id, _job_id=key, _defer_until=defer_until)


async def run_job(ctx: dict[str, Any], job_id: int) -> str:
    db: Database = ctx["db"]
    job = await asyncio.to_thread(execute_job, db, job_id)
    if job is not None and job.status == "queued":
        await enqueue_run(ctx["redis"], job_id, job.run_at)
    return job.status if job is not None else "skipped"


async def sweep(ctx: dict[str, Any], bucket: str = "") -> int:
    db: Database = ctx["db"]
    ids = await asyncio.to_thread(due_jobs, db, 1000)
    # A key of this minute's (or this worker's start): a job whose worker was killed still
    # has arq's in-progress (or result) key under its first id, which would refuse it; running
    # it twice is harmless, the second run finds it claimed.
    bucket = bucket or f":s{int(time.time()) // 60}"
    for job_id in ids:
        await enqueue_run(ctx["redis"], job_id, bucket=bucket)
    return len(ids)


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or load_settings()
    ctx["db"] = Database(settings)
    # The worker is the index's writer: rebuild a missing, damaged or stale one, in the background.
    ctx["kb_start_up"] = ensure_index_in_background(ctx["db"], settings)
    await sweep(ctx, bucket=f":w{os.getpid()}-{int(time.time())}")
    if ctx.get("poll_mail"):
        ctx["mail_poller"] = MailPoller(ctx["db"], settings).start()


async def shutdown(ctx: dict[str, Any]) -> None:
    poller: MailPoller | None = ctx.pop("mail_poller", None)
    if poller is not None:
        await asyncio.to_thread(poller.stop)
    start_up: threading.Thread | None = ctx.pop("kb_start_up", None)
    if start_up is not None:
        await asyncio.to_thread(start_up.join, START_UP_WAIT_SECONDS)
    ctx["db"].dispose()


def worker_settings(settings: Settings, burst: bool = False) -> dict[str, Any]:
    """Keyword arguments for arq's Worker; burst runs have no cron (it never exits)."""
    assert settings.redis_url
    options: dict[str, Any] = {
        "functions": [run_job],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": redis_settings(settings.redis_url),
        # A burst run ends when the queue is empty: no mail poller for it.
        "ctx": {"settings": settings, "poll_mail": not burst},
        "max_jobs": 20,
        # arq looks for new work this often when idle (its default 0.5 s was most of a
        # webhook's or a mail's wait on PostgreSQL).
        "poll_delay": 0.05,
        "burst": burst,
        "handle_signals": not burst,
    }
    if not burst:
        options["cron_jobs"] = [cron(sweep, second={0}, run_at_startup=False)]
    return options


__all__ = ["ArqEnqueuer", "Job", "run_job", "sweep", "worker_settings"]
