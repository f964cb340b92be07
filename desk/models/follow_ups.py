"""Follow-ups: an agent's reminder to come back to a ticket at a given time, with a note."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from desk.models.base import now


class FollowUp(SQLModel, table=True):
    __table_args__ = (
        # "My follow-ups": an agent's open ones by due time.
        Index("ix_followup_user_done_due", "user_id", "done_at", "due_at"),
        # The reminder sweep: those not yet reminded, by due time.
        Index("ix_followup_reminded_due", "reminded_at", "due_at"),
        Index("ix_followup_ticket", "ticket_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    user_id: int = Field(foreign_key="user.id")
    due_at: datetime
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=now)
    # When the in-app notice and the mail went out (None: not yet due, or not yet swept).
    reminded_at: datetime | None = None
    done_at: datetime | None = None
