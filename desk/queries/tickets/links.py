"""What the ticket page shows of a ticket's relations: linked tickets, tickets merged into it,
and what changed since a form was opened (for the stale-save notice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from desk.models import AuditEntry, Message, OutboundMessage, OutboundStatus, Ticket
from desk.models.base import now
from desk.models.tickets import TicketLink
from desk.queries.tickets.messages import ConversationItem, conversation


def linked_tickets(session: Session, ticket_id: int) -> list[Ticket]:
    """The tickets linked to this one, by number."""
    pairs = session.exec(select(TicketLink).where(or_(
        col(TicketLink.ticket_id) == ticket_id, col(TicketLink.linked_id) == ticket_id)))
    ids = {p.linked_id if p.ticket_id == ticket_id else p.ticket_id for p in pairs}
    if not ids:
        return []
    return list(session.exec(select(Ticket).where(col(Ticket.id).in_(ids)).order_by(col(Ticket.id))))


def message_on(session: Session, ticket_id: int, message_id: int) -> Message | None:
    """Message ``message_id`` if it is one of ticket ``ticket_id``'s."""
    message = session.get(Message, message_id)
    return message if message is not None and message.ticket_id == ticket_id else None


def merged_from(session: Session, ticket_id: int) -> list[int]:
    """The tickets that were merged into this one."""
    return [i for i in session.exec(select(Ticket.id).where(Ticket.merged_into_id == ticket_id)
                                    .order_by(col(Ticket.id))) if i is not None]


@dataclass(frozen=True)
class Since:
    """What happened on a ticket after a page showed it: history entries and new messages."""

    entries: list[AuditEntry]
    messages: list[ConversationItem]


def changes_since(session: Session, ticket_id: int, after_entry: int, after_message: int) -> Since:
    entries = session.exec(select(AuditEntry).where(
        AuditEntry.entity == "ticket", AuditEntry.entity_id == ticket_id,
        col(AuditEntry.id) > after_entry).order_by(col(AuditEntry.id)))
    items = [i for i in conversation(session, ticket_id, public_only=False)
             if (i.message.id or 0) > after_message]
    return Since(list(entries), items)


JUST_READ = timedelta(seconds=10)


def moved_on(session: Session, ticket_id: int, after_entry: int, after_message: int) -> bool:
    """Whether the ticket has a history entry or a message newer than a page showed (or a
    reply read in the chat just now)."""
    entry = session.exec(select(AuditEntry.id).where(
        AuditEntry.entity == "ticket", AuditEntry.entity_id == ticket_id,
        col(AuditEntry.id) > after_entry).limit(1)).first()
    if entry is not None:
        return True
    if session.exec(select(Message.id).where(
            Message.ticket_id == ticket_id, col(Message.id) > after_message).limit(1)).first():
        return True
    # A chat visitor reads a reply the moment it shows, often while the agent's page is
    # loading after sending it: a delivery line that just turned "Read in the chat" may be
    # newer than the page (at worst the page takes one refresh it did not need).
    return session.exec(select(OutboundMessage.id).where(
        OutboundMessage.ticket_id == ticket_id,
        OutboundMessage.status == OutboundStatus.read_in_chat,
        col(OutboundMessage.sent_at) >= now() - JUST_READ).limit(1)).first() is not None
