"""A ticket's conversation with its attachments."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from desk.models import Attachment, Customer, Direction, Message, User
from desk.queries.errors import Forbidden, NotFound
from desk.queries.tickets.queue import read_ticket


@dataclass
class ConversationItem:
    message: Message
    author_name: str
    attachments: list[Attachment]


def conversation(session: Session, ticket_id: int, public_only: bool) -> list[ConversationItem]:
    """The messages of a ticket in order; ``public_only`` drops internal notes."""
    query = select(Message).where(Message.ticket_id == ticket_id).order_by(col(Message.id))
    if public_only:
        query = query.where(Message.direction != Direction.internal)
    messages = list(session.exec(query))
    ids = [m.id for m in messages]
    by_message: dict[int, list[Attachment]] = {}
    for att in session.exec(select(Attachment).where(col(Attachment.message_id).in_(ids))):
        by_message.setdefault(att.message_id, []).append(att)
    user_ids = {m.author_user_id for m in messages if m.author_user_id}
    customer_ids = {m.author_customer_id for m in messages if m.author_customer_id}
    users = {u.id: u.name for u in session.exec(select(User).where(col(User.id).in_(user_ids)))}
    customers = {
        c.id: c.name for c in session.exec(select(Customer).where(col(Customer.id).in_(customer_ids)))
    }
    items = []
    for m in messages:
        if m.author_user_id:
            name = users.get(m.author_user_id, "")
        else:
            name = customers.get(m.author_customer_id or 0, "")
        items.append(ConversationItem(m, name, by_message.get(m.id or 0, [])))
    return items


def attachment_of(session: Session, attachment_id: int) -> tuple[Attachment, Message] | None:
    """An attachment with the message it came with (whose ``ticket_id`` says who may see it)."""
    attachment = session.get(Attachment, attachment_id)
    message = session.get(Message, attachment.message_id) if attachment else None
    if attachment is None or message is None:
        return None
    return attachment, message



def access_message(session: Session, user: User, message_id: int) -> tuple[Message, list[Attachment]]:
    """A message with its own attachments, when ``user`` may read its ticket; `NotFound` for a
    message of a ticket they may not see (as if there were none)."""
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(message_id)
    try:
        read_ticket(session, user, message.ticket_id)
    except Forbidden:
        raise NotFound(message_id) from None
    query = select(Attachment).where(Attachment.message_id == message_id).order_by(col(Attachment.id))
    return message, list(session.exec(query))
