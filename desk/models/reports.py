"""The reports' own tables: the desk's settings an admin changes on a page (survey settings
today), and the service figures rolled up per day, so a 90-day dashboard reads a few
thousand rows instead of a million tickets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from desk.models.base import now


class DeskSetting(SQLModel, table=True):
    """One setting by name, its value as JSON text; absent: the environment's default."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", sa_type=Text)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=now)


class ReportDay(SQLModel, table=True):
    """What happened on one UTC day in one cell (agent, team, channel): tickets created,
    solves with their times (histograms: bucket -> count, see desk.queries.reports.times),
    how many of those solves were reopened or followed by the customer writing again within
    7 days, their SLA outcome, and the survey answers given that day."""

    __table_args__ = (Index("ix_reportday_day", "day", "agent_id", "team_id", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    day: str = Field(max_length=10)  # YYYY-MM-DD, UTC
    agent_id: int | None = Field(default=None)
    team_id: int | None = Field(default=None)
    channel: str = Field(default="", max_length=20)
    created: int = 0
    solved: int = 0
    reopened: int = 0
    repeat_contacts: int = 0
    first_response: str = Field(default="{}", sa_type=Text)
    resolution: str = Field(default="{}", sa_type=Text)
    sla_counted: int = 0
    sla_met: int = 0
    answers: int = 0
    satisfied: int = 0
    rolled_up_at: datetime = Field(default_factory=now)
