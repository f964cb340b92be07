"""Background jobs as admins and monitors see them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from desk.models import Job, JobStatus


def job_counts(session: Session, statuses: Sequence[str] = ()) -> dict[str, int]:
    """How many jobs are in each status (only ``statuses`` when given); absent ones are left out."""
    query = select(Job.status, func.count())
    if statuses:
        query = query.where(col(Job.status).in_(statuses))
    return dict(session.exec(query.group_by(Job.status)).all())


def dead_jobs(session: Session, limit: int = 100) -> list[Job]:
    """Jobs that gave up, newest first."""
    return list(session.exec(select(Job).where(Job.status == JobStatus.dead)
                             .order_by(col(Job.id).desc()).limit(limit)))
