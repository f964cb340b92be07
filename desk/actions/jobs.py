"""Queue background work as rows, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from desk.events import AgentReplied, CustomerReplied, Event, TicketCreated, TicketUpdated
from desk.models import Job


def enqueue(session: Session, name: str, **args: Any) -> Job:
    job = Job(name=name, args=args)
    session.add(job)
    session.flush()
    assert job.id is not None
    session.info.setdefault("new_jobs", []).append(job.id)
    return job


def jobs_for(event: Event) -> list[tuple[str, dict[str, Any]]]:
    """Events route: which jobs an event starts. Decisions live in the jobs."""
    if isinstance(event, TicketCreated):
        return [("notify_agents", {"ticket_id": event.ticket_id, "reason": "created"})]
    if isinstance(event, CustomerReplied):
        return [("notify_agents", {"ticket_id": event.ticket_id, "reason": "customer_replied"})]
    if isinstance(event, AgentReplied):
        # Replies wait in the outbox; the email channel's sender picks them up.
        return []
    if isinstance(event, TicketUpdated) and "assignee_id" in event.fields:
        return [("notify_agents", {"ticket_id": event.ticket_id, "reason": "assigned"})]
    return []


def publish(session: Session, events: list[Event]) -> None:
    for event in events:
        for name, args in jobs_for(event):
            enqueue(session, name, **args)
