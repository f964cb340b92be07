"""Routing rules: ordered, switchable, run on ticket events; and each team's rotation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from desk.models.base import now


class Rule(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    position: int = Field(default=0, index=True)  # rules run in this order, lowest first
    enabled: bool = Field(default=True)
    # The events it runs on, comma-separated: ticket_created, customer_replied.
    events: str = Field(default="ticket_created", max_length=200)
    # JSON documents (desk.actions.rules.definition): what must hold, and what it does.
    conditions: str = Field(default="{}", sa_type=Text)
    actions: str = Field(default="[]", sa_type=Text)
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)


class TeamRotation(SQLModel, table=True):
    """Who of a team got the last ticket a round-robin rule assigned."""

    team_id: int = Field(foreign_key="team.id", primary_key=True)
    last_user_id: int | None = Field(default=None, foreign_key="user.id")
