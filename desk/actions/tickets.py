"""Opening tickets, conversations on them, and changes to them."""

from __future__ import annotations

import secrets
from typing import Any

from sqlmodel import Session, select

from channels.message import InboundMessage
from desk import notices
from desk.actions.attachments import store_attachment
from desk.actions.audit import Actor, record
from desk.actions.customers import identify_customer
from desk.actions.jobs import publish
from desk.events import AgentReplied, CustomerReplied, Event, TicketCreated, TicketUpdated
from desk.links import request_url
from desk.models import (
    Customer,
    Direction,
    Message,
    OutboundKind,
    OutboundMessage,
    Status,
    Ticket,
    TicketTag,
    User,
)
from desk.models.base import now
from desk.settings import Settings


def new_message_id(settings: Settings) -> str:
    host = settings.base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"<{secrets.token_hex(12)}@{host or 'desk.invalid'}>"


def _add_message(
    session: Session,
    settings: Settings,
    ticket: Ticket,
    direction: str,
    text: str,
    *,
    author_user_id: int | None = None,
    author_customer_id: int | None = None,
    html: str = "",
    message_id: str = "",
    attachments: tuple[Any, ...] = (),
) -> Message:
    assert ticket.id is not None
    message = Message(
        ticket_id=ticket.id,
        direction=direction,
        author_user_id=author_user_id,
        author_customer_id=author_customer_id,
        text=text,
        html=html,
        message_id=message_id or new_message_id(settings),
    )
    session.add(message)
    session.flush()
    assert message.id is not None
    for upload in attachments:
        store_attachment(session, settings.attachments_dir, message.id, upload)
    return message


def ingest(session: Session, settings: Settings, inbound: InboundMessage) -> tuple[Ticket, list[Event]]:
    """The single entrance for a customer's new request, from every channel."""
    customer = identify_customer(
        session, Actor("system", None, "Desk"), inbound.from_address, inbound.from_name,
        source=inbound.channel, locale=inbound.locale,
    )
    assert customer.id is not None
    ticket = Ticket(subject=inbound.subject[:300], channel=inbound.channel, customer_id=customer.id)
    session.add(ticket)
    session.flush()
    assert ticket.id is not None
    _add_message(
        session, settings, ticket, Direction.inbound, inbound.text,
        author_customer_id=customer.id, html=inbound.html, message_id=inbound.message_id,
        attachments=inbound.attachments,
    )
    record(session, Actor.of_customer(customer), "ticket", ticket.id, "created",
           {"subject": [None, ticket.subject], "channel": [None, inbound.channel]})
    queue_acknowledgement(session, settings, ticket, customer)
    events: list[Event] = [TicketCreated(ticket.id, inbound.channel)]
    publish(session, events)
    return ticket, events


def queue_acknowledgement(
    session: Session, settings: Settings, ticket: Ticket, customer: Customer
) -> OutboundMessage:
    """Put the 'we received your request' mail in the outbox; the email channel sends it."""
    assert ticket.id is not None and customer.id is not None
    link = request_url(settings.base_url, settings.secret_key, ticket.id, customer.id)
    notice = notices.acknowledgement(customer.locale, ticket.id, ticket.subject, customer.name, link)
    outbound = OutboundMessage(
        ticket_id=ticket.id, kind=OutboundKind.acknowledgement, to_address=customer.email,
        subject=notice.subject, body_text=notice.text, rfc_message_id=new_message_id(settings),
    )
    session.add(outbound)
    return outbound


def add_customer_reply(
    session: Session, settings: Settings, ticket: Ticket, customer: Customer,
    text: str, attachments: tuple[Any, ...] = (),
) -> tuple[Message, list[Event]]:
    assert ticket.id is not None and customer.id is not None
    message = _add_message(
        session, settings, ticket, Direction.inbound, text,
        author_customer_id=customer.id, attachments=attachments,
    )
    before = ticket.status
    # A customer writing again puts the ticket back in front of the desk.
    if ticket.status in (Status.pending, Status.solved, Status.closed):
        ticket.status = Status.open
    ticket.updated_at = now()
    session.add(ticket)
    changes: dict[str, Any] = {"message": [None, message.id]}
    if before != ticket.status:
        changes["status"] = [before, ticket.status]
    record(session, Actor.of_customer(customer), "ticket", ticket.id, "customer_replied", changes)
    assert message.id is not None
    events: list[Event] = [CustomerReplied(ticket.id, message.id)]
    publish(session, events)
    return message, events


def add_agent_reply(
    session: Session, settings: Settings, actor: Actor, agent: User, ticket: Ticket,
    text: str, *, internal: bool, attachments: tuple[Any, ...] = (),
) -> tuple[Message, list[Event]]:
    """A public reply (queued for the customer) or an internal note (never sent)."""
    assert ticket.id is not None
    direction = Direction.internal if internal else Direction.outbound
    message = _add_message(
        session, settings, ticket, direction, text, author_user_id=agent.id,
        attachments=attachments,
    )
    assert message.id is not None
    changes: dict[str, Any] = {"message": [None, message.id]}
    outbound_id: int | None = None
    if not internal:
        if ticket.first_response_at is None:
            ticket.first_response_at = now()
        if ticket.status == Status.new:
            changes["status"] = [ticket.status, Status.open]
            ticket.status = Status.open
        outbound = _queue_reply(session, settings, ticket, message, agent)
        outbound_id = outbound.id
    ticket.updated_at = now()
    session.add(ticket)
    record(session, actor, "ticket", ticket.id, "note_added" if internal else "replied", changes)
    events: list[Event] = [AgentReplied(ticket.id, message.id, outbound_id)]
    publish(session, events)
    return message, events


def _queue_reply(
    session: Session, settings: Settings, ticket: Ticket, message: Message, agent: User
) -> OutboundMessage:
    assert ticket.id is not None
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None and customer.id is not None
    link = request_url(settings.base_url, settings.secret_key, ticket.id, customer.id)
    notice = notices.reply(customer.locale, ticket.id, ticket.subject, message.text, agent.name, link)
    outbound = OutboundMessage(
        ticket_id=ticket.id, message_id=message.id, kind=OutboundKind.reply,
        to_address=customer.email, subject=notice.subject, body_text=notice.text,
        rfc_message_id=message.message_id,
    )
    session.add(outbound)
    session.flush()
    return outbound


EDITABLE = ("subject", "status", "priority", "team_id", "assignee_id")


def update_ticket(
    session: Session, actor: Actor, ticket: Ticket, changes: dict[str, Any],
    tags: list[str] | None = None,
) -> list[Event]:
    """Apply already-validated field changes and tags; record each one that differs."""
    assert ticket.id is not None
    diff: dict[str, Any] = {}
    for name in EDITABLE:
        if name in changes and getattr(ticket, name) != changes[name]:
            diff[name] = [getattr(ticket, name), changes[name]]
            setattr(ticket, name, changes[name])
    if tags is not None:
        current = set(ticket_tags(session, ticket.id))
        wanted = set(tags)
        if current != wanted:
            diff["tags"] = [sorted(current), sorted(wanted)]
            for tag in current - wanted:
                row = session.get(TicketTag, (ticket.id, tag))
                if row is not None:
                    session.delete(row)
            for tag in wanted - current:
                session.add(TicketTag(ticket_id=ticket.id, tag=tag))
    if not diff:
        return []
    if "status" in diff and ticket.status == Status.solved:
        ticket.solved_at = now()
    ticket.updated_at = now()
    session.add(ticket)
    record(session, actor, "ticket", ticket.id, "updated", diff)
    events: list[Event] = [TicketUpdated(ticket.id, tuple(diff))]
    publish(session, events)
    return events


def ticket_tags(session: Session, ticket_id: int) -> list[str]:
    rows = session.exec(select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id))
    return sorted(rows)
