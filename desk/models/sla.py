"""SLA policies (targets on business hours) and each ticket's clocks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, false, true
from sqlmodel import Field, SQLModel

from desk.models.base import now


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
    # JSON: {"first_response": {"urgent": 60, ...}, "next_response": {...}, "resolution": {...}}
    # in business minutes.
    targets: str = Field(default="{}", sa_type=Text)
    # Wall-clock minutes before a due time that the assignee (or the team's supervisors) is
    # warned; 0: no warning.
    warn_minutes: int = Field(default=30, sa_column_kwargs={"server_default": "30"})
    # At a breach: tell the assignee and the team's supervisors (in the app and by mail), raise
    # the priority one step, hand the ticket to this agent and/or team.
    escalate_notify: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    escalate_raise: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    escalate_agent_id: int | None = Field(default=None, foreign_key="user.id")
    escalate_team_id: int | None = Field(default=None, foreign_key="team.id")


class TicketSla(SQLModel, table=True):
    """A ticket's clocks under its policy: when each answer is due, whether it came in time."""

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    policy_id: int = Field(foreign_key="slapolicy.id", index=True)
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = Field(default=None, index=True)
    paused_at: datetime | None = None  # every running clock stands while pending or on hold
    first_response_met: bool | None = None
    resolution_met: bool | None = None
    # Business minutes the ticket stood paused since it was created: the clocks counted from
    # its creation (first response, resolution) are due that much later.
    stood_minutes: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    # The next-response clock: started by a customer's message after the desk's public reply
    # (None: not running), settled by the next public reply (its outcome kept in `_met`).
    next_response_started_at: datetime | None = None
    next_response_due_at: datetime | None = None
    next_response_met: bool | None = None
    # `stood_minutes` when the running next-response clock started (its own pauses are the rest).
    next_response_stood_from: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})


class SlaResult(SQLModel, table=True):
    """One SLA target that breached or ended: which clock, when it was due, when the breach
    was recorded (None: met) and when it was settled (None: still open). Reports count these
    (`desk.queries.sla.sla_met`); the escalation job writes the breach, the settling reply or
    solve the end."""

    __table_args__ = (
        Index("ix_slaresult_ticket_kind", "ticket_id", "kind", "settled_at"),
        Index("ix_slaresult_settled", "settled_at"),
        Index("ix_slaresult_breached", "breached_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    kind: str = Field(max_length=20)  # first_response, next_response, resolution
    policy_id: int = Field(foreign_key="slapolicy.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")  # the ticket's team then
    due_at: datetime
    breached_at: datetime | None = None
    settled_at: datetime | None = None
    created_at: datetime = Field(default_factory=now)
