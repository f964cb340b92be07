"""The custom fields admins define for customer records."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.models import CustomerField


def field_definitions(session: Session) -> list[CustomerField]:
    """Every definition in the order admins gave them."""
    return list(session.exec(select(CustomerField).order_by(
        col(CustomerField.position), col(CustomerField.id))))


def get_field(session: Session, field_id: int) -> CustomerField | None:
    return session.get(CustomerField, field_id)
