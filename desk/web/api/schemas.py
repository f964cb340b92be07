"""Tickets and messages as the API shows them: plain JSON-ready dicts.

openapi.py describes exactly these shapes; a test checks real answers against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from desk.models import Customer, OutboundMessage, Team, Ticket, TicketTag, User
from desk.queries.tickets.messages import ConversationItem, conversation
from desk.queries.tickets.outbox import deliveries
from desk.queries.tickets.queue import TicketPage

JSON = dict[str, Any]
Row = TypeVar("Row", Customer, Team, User)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC; SQLite hands back naive datetimes that were stored as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


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


def ticket_json(ticket: Ticket, related: Related) -> JSON:
    customer = related.customers[ticket.customer_id]
    team = related.teams.get(ticket.team_id) if ticket.team_id else None
    assignee = related.users.get(ticket.assignee_id) if ticket.assignee_id else None
    return {
        "number": ticket.id,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "customer": {"id": customer.id, "name": customer.name, "email": customer.email},
        "team": {"id": team.id, "name": team.name} if team else None,
        "assignee": {"id": assignee.id, "name": assignee.name} if assignee else None,
        "tags": related.tags.get(ticket.id or 0, []),
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "first_response_at": iso(ticket.first_response_at),
        "solved_at": iso(ticket.solved_at),
    }


def message_json(item: ConversationItem, delivery: OutboundMessage | None = None) -> JSON:
    """`delivery`: the mail that carries a public reply to the customer, if any."""
    message = item.message
    author: JSON | None = None
    if message.author_customer_id is not None:
        author = {"type": "customer", "id": message.author_customer_id, "name": item.author_name}
    elif message.author_user_id is not None:
        author = {"type": "agent", "id": message.author_user_id, "name": item.author_name}
    return {
        "id": message.id,
        "direction": message.direction,
        "author": author,
        "text": message.text,
        # Sanitised when it came in; JSON carries it as a string, never as markup.
        "html": message.html,
        "message_id": message.message_id,
        "created_at": iso(message.created_at),
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in item.attachments
        ],
        "delivery": None if delivery is None else {
            "status": delivery.status, "attempts": delivery.attempts,
            "last_error": delivery.last_error, "sent_at": iso(delivery.sent_at),
        },
    }


def ticket_detail_json(session: Session, ticket: Ticket) -> JSON:
    """One ticket with its whole conversation, internal notes included (staff only)."""
    assert ticket.id is not None
    body = ticket_json(ticket, load_related(session, [ticket]))
    sent = deliveries(session, ticket.id)
    body["messages"] = [message_json(item, sent.get(item.message.id or 0))
                        for item in conversation(session, ticket.id, public_only=False)]
    return body


def page_json(session: Session, page: TicketPage) -> JSON:
    related = load_related(session, page.tickets, page.customers)
    return {
        "tickets": [ticket_json(t, related) for t in page.tickets],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "has_next": page.has_next,
    }
