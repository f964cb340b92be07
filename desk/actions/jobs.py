"""Queue background work as rows, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from desk.actions.inserts import insert_row
from desk.actions.tables import JOBS
from desk.events import AgentReplied, CustomerReplied, Event, TicketCreated, TicketUpdated
from desk.models import JobStatus
from desk.models.base import now


def enqueue(session: Session, name: str, max_attempts: int = 5, **args: Any) -> int:
    """Write a job row; returns its id. ``desk.db.commit`` hands it to the runner."""
    stamp = now()
    job_id = insert_row(session, JOBS, dict(
        name=name, args=args, status=JobStatus.queued, attempts=0, max_attempts=max_attempts,
        run_at=stamp, last_error="", created_at=stamp,
    ))
    session.info.setdefault("new_jobs", []).append(job_id)
    return job_id


def jobs_for(event: Event) -> list[tuple[str, dict[str, Any]]]:
    """Events route: which jobs an event starts. Decisions live in the jobs."""
    if isinstance(event, TicketCreated):
        # A new ticket has no team or assignee yet, so nobody to notify one by one
        # (see notify_agents); routing it publishes TicketUpdated, which notifies.
        return []
    if isinstance(event, CustomerReplied):
        return [("notify_agents", {"ticket_id": event.ticket_id, "reason": "customer_replied"})]
    if isinstance(event, AgentReplied):
        # Replies wait in the outbox; the email channel's sender picks them up.
        return []
    if isinstance(event, TicketUpdated) and "assignee_id" in event.fields:
        return [("notify_agents", {"ticket_id": event.ticket_id, "reason": "assigned"})]
    if isinstance(event, TicketUpdated) and "team_id" in event.fields:
        return [("notify_agents", {"ticket_id": event.ticket_id, "reason": "routed"})]
    return []


def publish(session: Session, events: list[Event]) -> None:
    for event in events:
        for name, args in jobs_for(event):
            enqueue(session, name, **args)
