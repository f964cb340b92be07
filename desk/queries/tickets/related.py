"""What a list of tickets refers to (customers, teams, assignees, tags), one query per table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlmodel import Session, col, select

from desk.models import Customer, Team, Ticket, TicketTag, User

Row = TypeVar("Row", Customer, Team, User)


@dataclass
class Related:
    """What a list of tickets refers to, fetched in one query per table."""

    customers: dict[int, Customer]
    teams: dict[int, Team]
    users: dict[int, User]
    tags: dict[int, list[str]]


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
    return Related(
        customers={**(customers or {}), **_by_id(session, Customer, wanted)},
        teams=_by_id(session, Team, {t.team_id for t in tickets if t.team_id}),
        users=_by_id(session, User, {t.assignee_id for t in tickets if t.assignee_id}),
        tags=tags,
    )
