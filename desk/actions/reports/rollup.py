"""The service report's daily roll-up (`reportday`, `reporttimes`): a day's figures per
agent, team and channel, made again from the tickets, solves (a survey row is kept for
every solve, with its snapshot) and messages. A ticket closed as spam (tagged `spam`) is no
service given: it counts in none of them.

A day's figures can still change for a month (a reopen, the customer writing again within a
week, an answer given or changed within the link's 30 days), so each run makes the last
REDO_DAYS days again; older days are made once (the last day made is
kept in `desksetting`). A run makes at most MAX_DAYS_PER_RUN days, each committed, and says
whether days remain (the job then queues itself again), so no run outlasts the job runner's
patience. The job `roll_up_reports` runs it; a report page asks for it when its figures are
older than STALE_AFTER."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from desk.actions.jobs import enqueue
from desk.actions.surveys.eligibility import SPAM_TAG
from desk.db import committed
from desk.models import (
    SATISFIED,
    Direction,
    Job,
    JobStatus,
    Message,
    ReportDay,
    Status,
    Survey,
    Ticket,
    TicketSla,
    TicketTag,
)
from desk.models.base import aware, now
from desk.models.reports import (
    RATING_COLUMNS,
    REPORT_ANSWERS,
    REPORT_TIMES,
    TIME_COLUMNS,
    TIME_EDGES,
    DeskSetting,
)
from desk.queries.reports.rolled import COMPLETE_KEY, PROGRESS_KEY

JOB = "roll_up_reports"
REDO_DAYS = 31
MAX_DAYS_PER_RUN = 45
STALE_AFTER = timedelta(minutes=10)
REPEAT_WITHIN = timedelta(days=7)
_CHUNK = 500

Cell = tuple[int | None, int | None, str]


@dataclass
class _Day:
    created: Counter[Cell] = field(default_factory=Counter)
    solved: Counter[Cell] = field(default_factory=Counter)
    reopened: Counter[Cell] = field(default_factory=Counter)
    repeat: Counter[Cell] = field(default_factory=Counter)
    sla_counted: Counter[Cell] = field(default_factory=Counter)
    sla_met: Counter[Cell] = field(default_factory=Counter)
    answers: Counter[Cell] = field(default_factory=Counter)
    satisfied: Counter[Cell] = field(default_factory=Counter)
    times: dict[tuple[Cell, str], list[int]] = field(default_factory=dict)


def band(seconds: int) -> int:
    """The index of the time band holding `seconds`."""
    index = 0
    for i, edge in enumerate(TIME_EDGES):
        if seconds >= edge:
            index = i
    return index


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


def _chunks(values: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i:i + _CHUNK]


def _not_spam(ticket_id: Any) -> ColumnElement[bool]:
    return ~exists().where(col(TicketTag.ticket_id) == ticket_id, col(TicketTag.tag) == SPAM_TAG)


def _created(session: Session, day: date, into: _Day) -> None:
    start, end = _bounds(day)
    for agent, team, channel, n in session.execute(
            sa_select(col(Ticket.assignee_id), col(Ticket.team_id), col(Ticket.channel), func.count())
            .where(col(Ticket.created_at) >= start, col(Ticket.created_at) < end,
                   _not_spam(col(Ticket.id)))
            .group_by(col(Ticket.assignee_id), col(Ticket.team_id), col(Ticket.channel))):
        into.created[(agent, team, channel)] += int(n)


def _answers(session: Session, day: date, into: _Day) -> None:
    start, end = _bounds(day)
    for agent, team, channel, rating, n in session.execute(
            sa_select(col(Survey.agent_id), col(Survey.team_id), col(Survey.channel),
                      col(Survey.rating), func.count())
            .where(col(Survey.answered_at) >= start, col(Survey.answered_at) < end,
                   col(Survey.rating).is_not(None))
            .group_by(col(Survey.agent_id), col(Survey.team_id), col(Survey.channel),
                      col(Survey.rating))):
        into.answers[(agent, team, channel)] += int(n)
        if int(rating) >= SATISFIED:
            into.satisfied[(agent, team, channel)] += int(n)


def _later_solves(session: Session, ticket_ids: list[int]) -> dict[int, datetime]:
    latest: dict[int, datetime] = {}
    for chunk in _chunks(ticket_ids):
        for ticket_id, solved_at in session.execute(
                sa_select(col(Survey.ticket_id), func.max(col(Survey.solved_at)))
                .where(col(Survey.ticket_id).in_(chunk)).group_by(col(Survey.ticket_id))):
            latest[ticket_id] = aware(solved_at)
    return latest


def _writings(session: Session, customer_ids: list[int], start: datetime) -> dict[int, list[datetime]]:
    """When each customer wrote (inbound messages) from `start` for REPEAT_WITHIN and a day."""
    wrote: dict[int, list[datetime]] = {}
    for chunk in _chunks(customer_ids):
        for customer_id, at in session.execute(
                sa_select(col(Message.author_customer_id), col(Message.created_at))
                .where(col(Message.author_customer_id).in_(chunk),
                       col(Message.direction) == Direction.inbound,
                       col(Message.created_at) > start,
                       col(Message.created_at) <= start + REPEAT_WITHIN + timedelta(days=1))):
            wrote.setdefault(customer_id, []).append(aware(at))
    return wrote


def _solves(session: Session, day: date, into: _Day) -> None:
    start, end = _bounds(day)
    rows = session.execute(
        sa_select(col(Survey.ticket_id), col(Survey.customer_id), col(Survey.agent_id),
                  col(Survey.team_id), col(Survey.channel), col(Survey.first_response_seconds),
                  col(Survey.resolution_seconds), col(Survey.solved_at), col(Ticket.status),
                  col(TicketSla.resolution_met))
        .join(Ticket, col(Ticket.id) == col(Survey.ticket_id))
        .outerjoin(TicketSla, col(TicketSla.ticket_id) == col(Survey.ticket_id))
        .where(col(Survey.solved_at) >= start, col(Survey.solved_at) < end,
               _not_spam(col(Survey.ticket_id)))).all()
    latest = _later_solves(session, sorted({r[0] for r in rows}))
    wrote = _writings(session, sorted({r[1] for r in rows}), start)
    for ticket_id, customer_id, agent, team, channel, first, resolution, solved_at, status, met in rows:
        cell = (agent, team, channel)
        solved_at = aware(solved_at)
        into.solved[cell] += 1
        if status not in (Status.solved, Status.closed) or latest.get(ticket_id, solved_at) > solved_at:
            into.reopened[cell] += 1
        if any(solved_at < at <= solved_at + REPEAT_WITHIN for at in wrote.get(customer_id, ())):
            into.repeat[cell] += 1
        if met is not None:
            into.sla_counted[cell] += 1
            into.sla_met[cell] += int(bool(met))
        for metric, seconds in (("first_response", first), ("resolution", resolution)):
            if seconds is not None:
                # Times by agent and team only (channel ""): a third of the rows to add up.
                counts = into.times.setdefault(((agent, team, ""), metric), [0] * len(TIME_EDGES))
                counts[band(int(seconds))] += 1


def _rows(day: date, figures: _Day, stamp: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cells = set().union(*(c.keys() for c in (
        figures.created, figures.solved, figures.answers)))
    text = day.isoformat()
    days = [dict(day=text, agent_id=a, team_id=t, channel=ch, created=figures.created[cell],
                 solved=figures.solved[cell], reopened=figures.reopened[cell],
                 repeat_contacts=figures.repeat[cell], sla_counted=figures.sla_counted[cell],
                 sla_met=figures.sla_met[cell], answers=figures.answers[cell],
                 satisfied=figures.satisfied[cell], rolled_up_at=stamp)
            for cell in cells for a, t, ch in [cell]]
    times = [dict(day=text, agent_id=cell[0], team_id=cell[1], channel=cell[2], metric=metric,
                  **dict(zip(TIME_COLUMNS, counts, strict=True)))
             for (cell, metric), counts in figures.times.items()]
    return days, times


def _satisfaction(session: Session, day: date) -> list[dict[str, Any]]:
    """The day's answers per rating, and surveys sent and answered, per survey cell."""
    start, end = _bounds(day)
    cell = (col(Survey.agent_id), col(Survey.team_id), col(Survey.channel), col(Survey.tier),
            col(Survey.organization_id))
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}

    def row(key: tuple[Any, ...]) -> dict[str, Any]:
        return rows.setdefault(key, dict(
            day=day.isoformat(), agent_id=key[0], team_id=key[1], channel=key[2], tier=key[3],
            organization_id=key[4], **{name: 0 for name in (*RATING_COLUMNS, "sent", "responded")}))

    for *key, rating, n in session.execute(
            sa_select(*cell, col(Survey.rating), func.count())
            .where(col(Survey.answered_at) >= start, col(Survey.answered_at) < end,
                   col(Survey.rating).is_not(None)).group_by(*cell, col(Survey.rating))):
        if 1 <= int(rating) <= len(RATING_COLUMNS):
            row(tuple(key))[RATING_COLUMNS[int(rating) - 1]] += int(n)
    for *key, n, answered in session.execute(
            sa_select(*cell, func.count(), func.count(col(Survey.rating)))
            .where(col(Survey.sent_at) >= start, col(Survey.sent_at) < end).group_by(*cell)):
        into = row(tuple(key))
        into["sent"] += int(n)
        into["responded"] += int(answered)
    return list(rows.values())


def roll_up_day(session: Session, day: date) -> int:
    """Make one day's rows again, in the caller's transaction; returns how many cells."""
    figures = _Day()
    _created(session, day, figures)
    _solves(session, day, figures)
    _answers(session, day, figures)
    text = day.isoformat()
    session.execute(delete(ReportDay).where(col(ReportDay.day) == text))
    session.execute(REPORT_TIMES.delete().where(REPORT_TIMES.c.day == text))
    session.execute(REPORT_ANSWERS.delete().where(REPORT_ANSWERS.c.day == text))
    days, times = _rows(day, figures, now())
    if days:
        session.execute(insert(ReportDay), days)
    if times:
        session.execute(REPORT_TIMES.insert(), times)
    answers = _satisfaction(session, day)
    if answers:
        session.execute(REPORT_ANSWERS.insert(), answers)
    return len(days)


def _first_day(session: Session, today: date) -> date:
    """Where a run starts: REDO_DAYS back from today, or the day after the last one made when
    that is earlier; from the first ticket when none was made yet."""
    progress = session.get(DeskSetting, PROGRESS_KEY)
    if progress is not None and progress.value:
        # Catching up on a long history: from the day after the last one made.
        return min(date.fromisoformat(progress.value) + timedelta(days=1),
                   today - timedelta(days=REDO_DAYS))
    first = session.exec(select(func.min(Ticket.created_at))).one()
    return aware(first).date() if first is not None else today


def roll_up_reports(session: Session, today: date | None = None) -> tuple[list[date], bool]:
    """The days to make (see the module), each committed with the progress; returns the days
    made and whether more remain for another run."""
    started = now()
    today = today or started.date()
    day = _first_day(session, today)
    last = min(today, day + timedelta(days=MAX_DAYS_PER_RUN - 1))
    made = []
    while day <= last:
        with committed(session):
            roll_up_day(session, day)
            progress = session.get(DeskSetting, PROGRESS_KEY) or DeskSetting(key=PROGRESS_KEY)
            progress.value, progress.updated_at = day.isoformat(), now()
            session.add(progress)
        made.append(day)
        day += timedelta(days=1)
    if last >= today:
        with committed(session):
            complete = session.get(DeskSetting, COMPLETE_KEY) or DeskSetting(key=COMPLETE_KEY)
            complete.value, complete.updated_at = started.isoformat(), now()
            session.add(complete)
    return made, last < today


def request_roll_up(session: Session, rolled_up_at: datetime | None) -> bool:
    """A report page found its figures older than STALE_AFTER (or none): queue the roll-up
    unless one is waiting or running; committed. True when one was queued."""
    if rolled_up_at is not None and aware(rolled_up_at) > now() - STALE_AFTER:
        return False
    waiting = session.exec(select(func.count()).select_from(Job).where(
        col(Job.name) == JOB, col(Job.status).in_((JobStatus.queued, JobStatus.running)))).one()
    if waiting:
        return False
    with committed(session):
        enqueue(session, JOB)
    return True
