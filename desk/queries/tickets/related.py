"""What a list of tickets refers to (customers, teams, assignees, tags, SLA breaches not yet
settled), one query per table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlmodel import Session, col, select

from desk.models import Customer, SlaResult, Team, Ticket, TicketTag, User

Row = TypeVar("Row", Customer, Team, User)


@dataclass
class Related:
    """What a list of tickets refers to, fetched in one query per table."""

    customers: dict[int, Customer]
    teams: dict[int, Team]
    users: dict[int, User]
    tags: dict[int, list[str]]
    # Tickets with an SLA target breached and not settled yet (a late reply or the solve
    # settles it), paused ones included.
    breached: set[int] = field(default_factory=set)


def _by_id(session: Session, model: type[Row], ids: set[int]) -> dict[int, Row]:
    if not ids:
        return {}
    rows = session.exec(select(model).where(col(model.id).in_(ids)))
    return {row.id: row for row in rows if row.id is not None}


def load_related(session: Session, tickets: Sequence[Ticket],
                 customers: dict[int, Customer] | None = None) -> Related:
    """``customers``: those already at hand (a queue page has them), not fetched again."""
    ids = {t.id for t in tickets if t.id is not None}
    tags: dict[int, list[str]] = {}
    if ids:
        query = select(TicketTag).where(col(TicketTag.ticket_id).in_(ids)).order_by(
            col(TicketTag.tag))
        for row in session.exec(query):
            tags.setdefault(row.ticket_id, []).append(row.tag)
    wanted = {t.customer_id for t in tickets} - set(customers or {})
    breached = set(session.exec(select(SlaResult.ticket_id).where(
        col(SlaResult.ticket_id).in_(ids), col(SlaResult.breached_at).is_not(None),
        col(SlaResult.settled_at).is_(None)))) if ids else set()
    return Related(
        customers={**(customers or {}), **_by_id(session, Customer, wanted)},
        teams=_by_id(session, Team, {t.team_id for t in tickets if t.team_id}),
        users=_by_id(session, User, {t.assignee_id for t in tickets if t.assignee_id}),
        tags=tags,
        breached=breached,
    )
