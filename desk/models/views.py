"""Saved views: a named filter and sort of the queue, an agent's own or shared with a team."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from desk.models.base import now


class SavedView(SQLModel, table=True):
    __table_args__ = (
        Index("ix_savedview_owner", "owner_id", "name"),
        Index("ix_savedview_team", "team_id", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    # Who made it; a personal view (team_id None) is seen by them alone.
    owner_id: int = Field(foreign_key="user.id")
    # Shared: every member of this team sees it in their side bar.
    team_id: int | None = Field(default=None, foreign_key="team.id")
    # The queue's query string (view, filters and sort), as the queue page reads it.
    query: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=now)
