"""The delivery state of what the desk sent on a ticket."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.models import OutboundMessage


def deliveries(session: Session, ticket_id: int) -> dict[int, OutboundMessage]:
    """The outbound mail of each public reply of a ticket, by the reply's message id."""
    rows = session.exec(select(OutboundMessage).where(
        OutboundMessage.ticket_id == ticket_id, col(OutboundMessage.message_id).is_not(None)))
    return {row.message_id: row for row in rows if row.message_id is not None}


def automatic_mail(session: Session, ticket_id: int) -> list[OutboundMessage]:
    """Mail the desk sent on its own for a ticket (acknowledgements, notices), oldest first:
    no reply of an agent behind it, so it is listed apart from the conversation."""
    return list(session.exec(select(OutboundMessage).where(
        OutboundMessage.ticket_id == ticket_id, col(OutboundMessage.message_id).is_(None))
        .order_by(col(OutboundMessage.id))))


def ticket_outbound(session: Session, ticket_id: int, outbound_id: int) -> OutboundMessage | None:
    """The outbound mail ``outbound_id`` if it belongs to the ticket, else None."""
    row = session.get(OutboundMessage, outbound_id)
    return row if row is not None and row.ticket_id == ticket_id else None
