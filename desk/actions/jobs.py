"""Queue background work as rows, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from desk.actions.inserts import insert_row, insert_rows
from desk.events import REGISTRY, Event
from desk.live.notices import notices_of
from desk.models import JobStatus
from desk.models.base import now
from desk.models.tables import JOBS

# Jobs that try more often than the default 5: a mail server that refuses for a while
# (greylisting, a restart) must not cost the customer the mail; the runner's backoff
# spaces 8 attempts over about 21 minutes.
MAX_ATTEMPTS: dict[str, int] = {"send_mail": 8}


def _job_row(name: str, max_attempts: int | None, run_at: datetime | None,
             args: dict[str, Any]) -> dict[str, Any]:
    stamp = now()
    return dict(name=name, args=args, status=JobStatus.queued, attempts=0,
                max_attempts=max_attempts or MAX_ATTEMPTS.get(name, 5), run_at=run_at or stamp,
                last_error="", created_at=stamp)


def enqueue(session: Session, name: str, max_attempts: int | None = None,
            run_at: datetime | None = None, **args: Any) -> int:
    """Write a job row; returns its id. ``desk.db.commit`` hands it to the runner, which runs
    it once ``run_at`` (default: now) has come."""
    job_id = insert_row(session, JOBS, _job_row(name, max_attempts, run_at, args))
    session.info.setdefault("new_jobs", []).append(job_id)
    return job_id


def publish(session: Session, events: list[Event], by: int | None = None) -> None:
    """Record `events` in the caller's transaction: a job row for each handler subscribed
    to each event (desk.events.REGISTRY), run once the transaction commits; and the live
    notices that tell open pages (`desk.live`), sent with the commit. `by` is the staff
    member who made the change, so their own pages need not warn them of it."""
    # Recorders first: their jobs (a webhook's POST) then come before the handlers' (rules,
    # SLA) in the runner's order, so what waits outside Desk waits least.
    for recorder in REGISTRY.recorders:
        recorder(session, events)
    live = session.info.setdefault("live", [])
    rows: list[dict[str, Any]] = []
    needed: dict[Any, bool] = {}  # each handler's `needs`, asked once for the batch
    for event in events:
        rows.extend(_job_row(name, None, None, args)
                    for name, args in REGISTRY.jobs_for(event, session, needed))
        live.extend(notices_of(event, by))
    # One statement for a batch's jobs (an intake batch of 500 mails has about a thousand).
    session.info.setdefault("new_jobs", []).extend(insert_rows(session, JOBS, rows))
