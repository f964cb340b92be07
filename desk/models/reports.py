"""The reports' own tables: the desk's settings an admin changes on a page (survey settings
today), and the service figures rolled up per day, so a 90-day dashboard reads a few
thousand rows instead of a million tickets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Integer, Table, Text
from sqlmodel import Field, SQLModel
from sqlmodel.sql.sqltypes import AutoString

from desk.models.base import now


class DeskSetting(SQLModel, table=True):
    """One setting by name, its value as JSON text; absent: the environment's default."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(default="", sa_type=Text)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=now)


class ReportDay(SQLModel, table=True):
    """What happened on one UTC day in one cell (agent, team, channel): tickets created,
    solves, how many of those were reopened or followed by the customer writing again within
    7 days, their SLA outcome, and the survey answers given that day. The solves' times are
    in `reporttimes`."""

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
    sla_counted: int = 0
    sla_met: int = 0
    answers: int = 0
    satisfied: int = 0
    rolled_up_at: datetime = Field(default_factory=now)


# A solve's first-response and resolution times, counted in bands (seconds: the lower edge
# of each; the last is open): a period's median and 90th percentile are read from the sums
# of a few thousand rows, interpolated within one band.
TIME_EDGES = (0, 60, 120, 300, 600, 900, 1800, 2700, 3600, 5400, 7200, 10800, 14400, 21600,
              28800, 43200, 57600, 86400, 129600, 172800, 259200, 432000, 604800, 1209600)
TIME_COLUMNS = tuple(f"b{i:02d}" for i in range(len(TIME_EDGES)))

# One row per day, agent, team and metric ("first_response" or "resolution"): solves per band
# (channel is kept empty: no report splits times by channel, and it triples the rows).
REPORT_TIMES = Table(
    "reporttimes", SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("day", AutoString(length=10), nullable=False),
    Column("agent_id", Integer, nullable=True),
    Column("team_id", Integer, nullable=True),
    Column("channel", AutoString(length=20), nullable=False),
    Column("metric", AutoString(length=20), nullable=False),
    *(Column(name, Integer, nullable=False) for name in TIME_COLUMNS),
    Index("ix_reporttimes_day", "day", "metric", "agent_id", "team_id"),
)

# One row per day and cell (agent, team, channel, tier, organisation, as at the solve): the
# answers given that day per rating (r1..r5), and the surveys sent that day with how many of
# them have an answer. The satisfaction report reads whole days from here and only the rest
# of its period (today, a part day) from the surveys.
RATING_COLUMNS = ("r1", "r2", "r3", "r4", "r5")
REPORT_ANSWERS = Table(
    "reportanswers", SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("day", AutoString(length=10), nullable=False),
    Column("agent_id", Integer, nullable=True),
    Column("team_id", Integer, nullable=True),
    Column("channel", AutoString(length=20), nullable=False),
    Column("tier", AutoString(length=20), nullable=False),
    Column("organization_id", Integer, nullable=True),
    *(Column(name, Integer, nullable=False) for name in (*RATING_COLUMNS, "sent", "responded")),
    Index("ix_reportanswers_day", "day", "agent_id", "team_id"),
)
