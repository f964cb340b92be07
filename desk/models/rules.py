"""Routing rules: ordered, switchable, run on ticket events; and each team's rotation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, text
from sqlmodel import Field, SQLModel

from desk.models.base import now
from desk.models.tickets import Ticket


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


class RuleTimeFiring(SQLModel, table=True):
    """A scheduled rule fired on a ticket at this version of it: the next pass leaves the
    ticket alone until it changes (every change raises `ticket.version`)."""

    # No foreign keys: a deleted rule's rows go with it (manage.delete_rule), and a row of a
    # ticket that is gone is never read.
    rule_id: int = Field(primary_key=True)
    ticket_id: int = Field(primary_key=True)
    version: int = 0
    fired_at: datetime = Field(default_factory=now)


# "No agent reply for N hours": open tickets still without a public reply, by arrival; the
# scheduled pass reads the ones older than N through it, not every ticket.
UNANSWERED_SQL = "first_response_at IS NULL AND status IN ('new', 'open', 'on_hold')"
Index("ix_ticket_unanswered_created", Ticket.created_at,  # type: ignore[arg-type]
      sqlite_where=text(UNANSWERED_SQL), postgresql_where=text(UNANSWERED_SQL))
