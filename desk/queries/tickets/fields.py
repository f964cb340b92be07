"""The custom fields admins define for tickets."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.models import TicketField


def ticket_field_definitions(session: Session) -> list[TicketField]:
    """Every definition in the order admins gave them."""
    return list(session.exec(select(TicketField).order_by(col(TicketField.position), col(TicketField.id))))


def get_ticket_field(session: Session, field_id: int) -> TicketField | None:
    return session.get(TicketField, field_id)
