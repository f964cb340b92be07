"""Tickets and messages as the API shows them: plain JSON-ready dicts.

openapi.py describes exactly these shapes; a test checks real answers against it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from desk.models import OutboundMessage, Ticket
from desk.models.base import aware, now
from desk.queries.tickets.messages import ConversationItem, conversation
from desk.queries.tickets.outbox import deliveries
from desk.queries.tickets.queue import TicketPage
from desk.queries.tickets.related import Related, load_related

JSON = dict[str, Any]


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC; SQLite hands back naive datetimes that were stored as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


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
        "version": ticket.version,
        "merged_into": ticket.merged_into_id,
        "fields": dict(ticket.fields or {}),
        "next_due_at": iso(ticket.next_due_at),
        "breached": ticket.id in related.breached or (
            ticket.next_due_at is not None and aware(ticket.next_due_at) <= now()),
        "vip": ticket.vip,
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
