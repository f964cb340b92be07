"""SLA policies (targets on business hours) and each ticket's clocks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel


class SlaPolicy(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    is_default: bool = Field(default=False)  # new tickets get it unless a rule sets another
    zone: str = Field(default="UTC", max_length=64)
    country: str = Field(default="", max_length=8)  # public holidays of this country close the desk
    # JSON: [[[start_minute, end_minute], ...] x 7], Monday first.
    hours: str = Field(default="", sa_type=Text)
    # JSON: ["2026-12-24", ...]: the desk's own closed dates.
    closed: str = Field(default="[]", sa_type=Text)
    # JSON: {"first_response": {"urgent": 60, ...}, "resolution": {...}} in business minutes.
    targets: str = Field(default="{}", sa_type=Text)


class TicketSla(SQLModel, table=True):
    """A ticket's clocks under its policy: when each answer is due, whether it came in time."""

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    policy_id: int = Field(foreign_key="slapolicy.id", index=True)
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = Field(default=None, index=True)
    paused_at: datetime | None = None  # the resolution clock stands while pending or on hold
    first_response_met: bool | None = None
    resolution_met: bool | None = None
