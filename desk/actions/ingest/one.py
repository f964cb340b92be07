"""One message at a time through the intake, for callers that have exactly one."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from channels.message import Identity, InboundAttachment, InboundMessage, ThreadKeys
from desk.actions.audit import Actor
from desk.actions.ingest import Ingested, Placement, ingest
from desk.actions.tickets.changes import update_ticket
from desk.db import commit
from desk.events import Event
from desk.models import Customer, Message, Ticket
from desk.settings import Settings


def ingest_one(session: Session, settings: Settings, message: InboundMessage,
               placement: Placement | None = None) -> Ingested:
    (result,) = ingest(session, settings, [message], None if placement is None else [placement])
    return result


def ingest_message(session: Session, settings: Settings, message: InboundMessage,
                   ) -> tuple[Ticket, list[Event]]:
    """`ingest_one`, returning the ticket row for callers that go on working with it."""
    result = ingest_one(session, settings, message)
    ticket = session.get(Ticket, result.ticket_id)
    assert ticket is not None, result.outcome
    return ticket, result.events


def add_customer_reply(
    session: Session, settings: Settings, ticket: Ticket, customer: Customer, text: str,
    attachments: tuple[InboundAttachment, ...] = (), *, channel: str = "web", html: str = "",
) -> tuple[Message, list[Event]]:
    """The customer writes again on their ticket (from its private page): through the intake
    like any message naming its ticket, so the same rules apply (a closed ticket is
    continued by a new one that follows it). Returns the stored message."""
    result = ingest_one(session, settings, InboundMessage(
        channel=channel, sender=Identity("email", customer.email, customer.name),
        subject=ticket.subject, text=text, html=html, attachments=attachments,
        locale=customer.locale, thread=ThreadKeys(ticket_number=ticket.id)))
    message = session.get(Message, result.message_id)
    assert message is not None, result.outcome
    session.refresh(ticket)
    return message, result.events


def open_api_ticket(session: Session, settings: Settings, actor: Actor, message: InboundMessage,
                    changes: dict[str, Any], tags: list[str] | None) -> Ticket:
    """The API channel's request: through the intake, then the caller's already-checked
    fields and tags (as its staff member); committed."""
    ticket, _events = ingest_message(session, settings, message)
    if changes or tags:
        update_ticket(session, actor, ticket, changes, tags)
    commit(session)
    return ticket


def reply_from_private_page(session: Session, settings: Settings, ticket_id: int,
                            customer: Customer, text: str,
                            attachments: tuple[InboundAttachment, ...]) -> Message:
    """What the customer writes on their request's page; committed. A closed ticket is
    continued by a new one: the returned message says which ticket it landed on."""
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None
    message, _events = add_customer_reply(session, settings, ticket, customer, text, attachments)
    commit(session)
    return message
