"""In-app notices to agents about a ticket."""

from __future__ import annotations

from sqlmodel import Session, select

from desk.db import commit
from desk.models import Notification, TeamMembership, Ticket, User
from desk.queries.duty import running_covers


def _recipients(ticket: Ticket, reason: str, members: list[int]) -> list[int]:
    """Who hears about it: the assignee, else the ticket's team. Unrouted tickets
    notify nobody one by one; the 'unassigned' view is their notice."""
    if ticket.assignee_id is not None:
        return [ticket.assignee_id]
    return members if ticket.team_id is not None and reason != "assigned" else []


def notify_agents(session: Session, ticket_id: int, reason: str) -> None:
    """A notice for each agent who should hear that `reason` happened to the ticket; commits."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return
    members: list[int] = []
    if ticket.team_id is not None and ticket.assignee_id is None:
        query = (
            select(TeamMembership.user_id)
            .join(User, User.id == TeamMembership.user_id)  # type: ignore[arg-type]
            .where(TeamMembership.team_id == ticket.team_id, User.is_active == True)  # noqa: E712
        )
        members = list(session.exec(query))
    recipients = _recipients(ticket, reason, members)
    # Whoever covers for an assignee who is away hears of their tickets too.
    recipients += [c.delegate_id for c in running_covers(session, recipients).values()
                   if c.delegate_id not in recipients]
    for user_id in recipients:
        session.add(Notification(user_id=user_id, ticket_id=ticket_id, kind=reason))
    commit(session)
