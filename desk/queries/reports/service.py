"""The service report: volume by channel, first-response and resolution times (median, 90th
percentile), SLA met, reopen and repeat-contact rates, a table per agent, the volume over
time (all from the daily roll-up, `reportday` and `reporttimes`), and the backlog by age
(live, from the open tickets). Within the viewer's scope, like every report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from desk.models import ReportDay, Status, Team, Ticket, User
from desk.models.base import now
from desk.models.reports import REPORT_TIMES, TIME_COLUMNS, TIME_EDGES
from desk.queries.reports.periods import bucket_of, buckets
from desk.queries.reports.scope import Filters, scope_conditions
from desk.queries.reports.times import TimeFigures, add, time_figures

# Tickets still waiting for the desk or the customer, by how long ago they came in.
BACKLOG_STATUSES = (Status.new, Status.open, Status.pending, Status.on_hold)
BACKLOG_AGES = (("under_1d", 1), ("1_3d", 3), ("3_7d", 7), ("7_30d", 30), ("over_30d", None))


@dataclass
class Counts:
    created: int = 0
    solved: int = 0
    reopened: int = 0
    repeat_contacts: int = 0
    sla_counted: int = 0
    sla_met: int = 0
    answers: int = 0
    satisfied: int = 0

    def add(self, row: Any) -> None:
        for name in ("created", "solved", "reopened", "repeat_contacts", "sla_counted", "sla_met",
                     "answers", "satisfied"):
            setattr(self, name, getattr(self, name) + int(getattr(row, name)))

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.solved if self.solved else None

    @property
    def repeat_rate(self) -> float | None:
        return self.repeat_contacts / self.solved if self.solved else None

    @property
    def sla_rate(self) -> float | None:
        return self.sla_met / self.sla_counted if self.sla_counted else None

    @property
    def csat(self) -> float | None:
        return self.satisfied / self.answers if self.answers else None


@dataclass(frozen=True)
class AgentRow:
    agent_id: int | None
    name: str
    counts: Counts
    first_response: TimeFigures
    resolution: TimeFigures


@dataclass(frozen=True)
class VolumePoint:
    start: date
    created: int
    solved: int


@dataclass
class ServiceReport:
    filters: Filters
    unit: str
    overall: Counts
    by_channel: dict[str, Counts]
    first_response: TimeFigures
    resolution: TimeFigures
    agents: list[AgentRow]
    volume: list[VolumePoint]
    backlog: list[tuple[str, int]]
    rolled_up_at: datetime | None = None
    days: tuple[date, date] = field(default=(date.min, date.min))


def day_range(filters: Filters) -> tuple[date, date]:
    """The roll-up's days of the period, both counted. A period that starts within a day (the
    last 7 days: now less 7 × 24 hours) starts with the next day, as the satisfaction report
    splits it (desk.queries.reports.rolled): "the last 7 days" is today and the 6 before,
    not 8 calendar days."""
    since = filters.since
    first = since.date() if since == _midnight(since.date()) else since.date() + timedelta(days=1)
    return first, (filters.until - timedelta(microseconds=1)).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _times(session: Session, filters: Filters, first: str, last: str
           ) -> dict[tuple[int | None, str], list[int]]:
    """Solves per time band, per agent and metric (SQL adds up the days and cells)."""
    t = REPORT_TIMES.c
    rows = session.execute(
        sa_select(t.agent_id, t.metric, *(func.sum(t[name]) for name in TIME_COLUMNS))
        .where(t.day >= first, t.day <= last, *scope_conditions(filters, t.agent_id, t.team_id))
        .group_by(t.agent_id, t.metric)).all()
    return {(row[0], row[1]): [int(n or 0) for n in row[2:]] for row in rows}


def _backlog(session: Session, filters: Filters) -> list[tuple[str, int]]:
    """The open tickets (not solved or closed) by age band, as they stand now."""
    stamp = now()
    created = col(Ticket.created_at)
    band = case(*((created > stamp - timedelta(days=days), i)
                  for i, (_key, days) in enumerate(BACKLOG_AGES) if days is not None),
                else_=len(BACKLOG_AGES) - 1)
    found = dict(session.execute(
        sa_select(band, func.count())
        .where(col(Ticket.status).in_(BACKLOG_STATUSES),
               *scope_conditions(filters, col(Ticket.assignee_id), col(Ticket.team_id)))
        .group_by(band)).all())
    return [(key, int(found.get(i, 0))) for i, (key, _days) in enumerate(BACKLOG_AGES)]


def _agent_names(session: Session, ids: list[int]) -> dict[int | None, str]:
    if not ids:
        return {}
    return dict(session.exec(select(User.id, User.name).where(col(User.id).in_(ids))).all())


_SUMS = ("created", "solved", "reopened", "repeat_contacts", "sla_counted", "sla_met", "answers",
         "satisfied")


def _sums(session: Session, filters: Filters, first: str, last: str, key: Any) -> dict[Any, Counts]:
    """The roll-up's counters added up in SQL per `key` (a column of reportday)."""
    t = ReportDay.__table__.c  # type: ignore[attr-defined]
    rows = session.execute(
        sa_select(key, *(func.sum(t[name]) for name in _SUMS))
        .where(t.day >= first, t.day <= last, *scope_conditions(filters, t.agent_id, t.team_id))
        .group_by(key)).all()
    return {row[0]: Counts(*(int(n or 0) for n in row[1:])) for row in rows}


def service_report(session: Session, filters: Filters, unit: str = "day") -> ServiceReport:
    first_day, last_day = day_range(filters)
    first, last = first_day.isoformat(), last_day.isoformat()
    t = ReportDay.__table__.c  # type: ignore[attr-defined]
    by_channel = _sums(session, filters, first, last, t.channel)
    by_agent = _sums(session, filters, first, last, t.agent_id)
    volume: dict[date, list[int]] = {}
    for day, of_day in _sums(session, filters, first, last, t.day).items():
        point = volume.setdefault(bucket_of(date.fromisoformat(day), unit), [0, 0])
        point[0] += of_day.created
        point[1] += of_day.solved
    overall = Counts()
    for of_channel in by_channel.values():
        overall.add(of_channel)
    times = _times(session, filters, first, last)
    totals = {metric: [0] * len(TIME_EDGES) for metric in ("first_response", "resolution")}
    for (_agent, metric), counts in times.items():
        if metric in totals:
            add(totals[metric], counts)
    names = _agent_names(session, [a for a in by_agent if a is not None])
    empty = [0] * len(TIME_EDGES)
    agents = sorted((AgentRow(agent, names.get(agent, ""), counts,
                              time_figures(times.get((agent, "first_response"), empty)),
                              time_figures(times.get((agent, "resolution"), empty)))
                     for agent, counts in by_agent.items()),
                    key=lambda r: (-r.counts.solved, r.name))
    newest = session.exec(select(ReportDay.rolled_up_at)
                          .order_by(col(ReportDay.day).desc()).limit(1)).first()
    return ServiceReport(
        filters=filters, unit=unit, overall=overall,
        by_channel=dict(sorted(by_channel.items(), key=lambda kv: -kv[1].created)),
        first_response=time_figures(totals["first_response"]),
        resolution=time_figures(totals["resolution"]), agents=agents,
        volume=[VolumePoint(b, *volume.get(b, [0, 0]))
                for b in buckets(_midnight(first_day), filters.until, unit)],
        backlog=_backlog(session, filters), rolled_up_at=newest, days=(first_day, last_day))


# What the API's `group_by` groups the roll-up's counters by.
SERVICE_GROUPS = ("agent", "team", "channel", "day", "week", "month")


@dataclass(frozen=True)
class ServiceGroup:
    key: int | str | None  # an agent's or team's id (None: none), a channel, a bucket's first day
    label: str
    counts: Counts


def _names(session: Session, group: str, ids: list[Any]) -> dict[Any, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    model = User if group == "agent" else Team
    return dict(session.exec(select(model.id, model.name).where(col(model.id).in_(wanted))).all())


def service_groups(session: Session, filters: Filters, group: str) -> list[ServiceGroup]:
    """The period's counters per agent, team or channel (most created first), or per day,
    week or month (oldest first, empty ones too): one grouped read of the roll-up."""
    first_day, last_day = day_range(filters)
    first, last = first_day.isoformat(), last_day.isoformat()
    t = ReportDay.__table__.c  # type: ignore[attr-defined]
    if group in ("day", "week", "month"):
        per_bucket: dict[date, Counts] = {}
        for day, of_day in _sums(session, filters, first, last, t.day).items():
            per_bucket.setdefault(bucket_of(date.fromisoformat(day), group), Counts()).add(of_day)
        return [ServiceGroup(b.isoformat(), b.isoformat(), per_bucket.get(b, Counts()))
                for b in buckets(_midnight(first_day), filters.until, group)]
    column = {"agent": t.agent_id, "team": t.team_id, "channel": t.channel}[group]
    sums = _sums(session, filters, first, last, column)
    names = (_names(session, group, list(sums)) if group in ("agent", "team")
             else {k: k for k in sums if k})
    return sorted((ServiceGroup(key, names.get(key, ""), counts) for key, counts in sums.items()),
                  key=lambda g: (-g.counts.created, -g.counts.solved, g.label))
