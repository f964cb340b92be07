"""Satisfaction surveys: one per resolution of a ticket, with the customer's answer and a
snapshot of who and what handled the ticket, taken when it was solved."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from desk.models.base import now

# The scale every survey asks on: 1 (very unhappy) to 5 (very happy); 4 and 5 count as satisfied.
RATINGS = (1, 2, 3, 4, 5)
SATISFIED = 4


class SurveyStatus(StrEnum):
    scheduled = "scheduled"  # waits for its delay after the solve
    sent = "sent"  # its mail is in the outbox
    answered = "answered"
    skipped = "skipped"  # not sent when due: see `skip_reason`


class Survey(SQLModel, table=True):
    __table_args__ = (
        # The due-survey job walks this.
        Index("ix_survey_status_due", "status", "due_at"),
        # The dashboard: answers in a date range, and the surveys sent in it (response
        # rate). Covering: a period's figures are read from the index alone.
        Index("ix_survey_answered_cover", "answered_at", "agent_id", "team_id", "channel",
              "tier", "organization_id", "rating"),
        Index("ix_survey_sent_cover", "sent_at", "agent_id", "team_id", "channel", "tier",
              "organization_id", "rating"),
        # The service report's daily roll-up: the solves of a day.
        Index("ix_survey_solved", "solved_at"),
        # The lowest answers: per rating, newest first.
        Index("ix_survey_rating_answered", "rating", "answered_at"),
        Index("ix_survey_ticket", "ticket_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    customer_id: int = Field(foreign_key="customer.id")
    status: str = Field(default=SurveyStatus.scheduled, max_length=12)
    skip_reason: str = Field(default="", max_length=30)
    due_at: datetime = Field(default_factory=now)
    sent_at: datetime | None = None
    outbound_id: int | None = Field(default=None, foreign_key="outboundmessage.id")
    # The snapshot, as the ticket stood when it was solved.
    agent_id: int | None = Field(default=None, foreign_key="user.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    channel: str = Field(default="", max_length=20)
    tier: str = Field(default="", max_length=20)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    first_response_seconds: int | None = None
    resolution_seconds: int | None = None
    solved_at: datetime = Field(default_factory=now)
    # The answer: the last one the customer submitted counts.
    rating: int | None = None
    comment: str = Field(default="", sa_type=Text)
    answered_at: datetime | None = None
    answers: int = 0  # how many times the customer submitted (changed their mind)
    created_at: datetime = Field(default_factory=now)
