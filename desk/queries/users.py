"""Staff as the pages list them."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.models import User


def active_agents(session: Session) -> list[User]:
    """Every staff member who may still sign in (agents, supervisors, admins), by name."""
    return list(session.exec(select(User).where(col(User.is_active).is_(True)).order_by(col(User.name))))
