"""Background work, recorded in the database so nothing depends on Redis alone."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field, SQLModel

from desk.models.base import now


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    dead = "dead"  # gave up after its last attempt; shown to admins


class Job(SQLModel, table=True):
    __table_args__ = (Index("ix_job_status_run_at", "status", "run_at"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50)
    args: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default=JobStatus.queued, max_length=10)
    attempts: int = 0
    max_attempts: int = 5
    run_at: datetime = Field(default_factory=now)
    last_error: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=now)
    finished_at: datetime | None = None
    # "host:pid" of the process running it: a sweep on that host takes up at once a job
    # whose process is gone (elsewhere, after STALE_AFTER).
    claimed_by: str = Field(default="", max_length=120)


class Notification(SQLModel, table=True):
    """Something an agent should look at; made by the notify_agents job."""

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    # Set for news about a customer record (an owner told of changed contact details).
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    kind: str = Field(max_length=30)
    created_at: datetime = Field(default_factory=now)
    read_at: datetime | None = None
