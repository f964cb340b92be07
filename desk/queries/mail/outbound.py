"""Reads the sender needs for one outbox row: where it leaves from, whom it greets by
name, and the files of the reply."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.models import Attachment, Customer, Mailbox, OutboundMessage, Ticket


def sending_mailbox(session: Session, row: OutboundMessage) -> Mailbox | None:
    """The row's mailbox, else its ticket's, else the default one (the enabled mailbox
    with an SMTP server and the lowest id); None when there is none at all. A named
    mailbox is returned even when it cannot send: no other would do for that ticket."""
    ticket = session.get(Ticket, row.ticket_id)
    for mailbox_id in (row.mailbox_id, ticket.mailbox_id if ticket else None):
        if mailbox_id is not None:
            return session.get(Mailbox, mailbox_id)
    query = (select(Mailbox).where(Mailbox.enabled == True, Mailbox.smtp_host != "")  # noqa: E712
             .order_by(col(Mailbox.id)).limit(1))
    return session.exec(query).first()


def recipient_name(session: Session, row: OutboundMessage) -> str:
    """The customer's name when the mail goes to the ticket's customer's address, else ""."""
    customer = session.exec(select(Customer).join(
        Ticket, col(Ticket.customer_id) == col(Customer.id)).where(Ticket.id == row.ticket_id)).first()
    return customer.name if customer and customer.email == row.to_address else ""


def reply_attachments(session: Session, message_id: int | None) -> list[Attachment]:
    """The attachments of the reply a row carries, in the order they were added."""
    if message_id is None:
        return []
    return list(session.exec(select(Attachment).where(Attachment.message_id == message_id)
                             .order_by(col(Attachment.id))))
