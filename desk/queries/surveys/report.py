"""The satisfaction report: CSAT (share of 4 and 5), average, response rate and number of
answers, overall and by agent, team, channel, tier and organisation, the distribution, and the
lowest answers, within the viewer's scope (desk.queries.reports.scope).

Answers are counted by when they were given; the response rate is the share of the surveys
sent in the period that have an answer. Both read the snapshot taken at the solve: whole days
from the daily roll-up (`reportanswers`) once it has them, the rest of the period from the
surveys (desk.queries.reports.rolled)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from desk.models import RATINGS, SATISFIED, Organization, Survey, Team, Ticket, User
from desk.models.reports import RATING_COLUMNS, REPORT_ANSWERS
from desk.queries.reports.rolled import split_period
from desk.queries.reports.scope import Filters, scope_conditions

GROUPS = ("agent", "team", "channel", "tier", "organization")
LOWEST_LIMIT = 20


@dataclass(frozen=True)
class Figures:
    answers: int = 0
    satisfied: int = 0
    rating_sum: int = 0
    sent: int = 0
    responded: int = 0  # of the surveys sent in the period, how many have an answer

    @property
    def csat(self) -> float | None:
        return self.satisfied / self.answers if self.answers else None

    @property
    def average(self) -> float | None:
        return self.rating_sum / self.answers if self.answers else None

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.sent if self.sent else None


@dataclass(frozen=True)
class GroupRow:
    key: Any  # an agent's, team's or organisation's id (None: none), or a channel or tier
    label: str
    figures: Figures


@dataclass(frozen=True)
class LowAnswer:
    survey_id: int
    ticket_id: int
    subject: str
    rating: int
    comment: str
    answered_at: datetime
    agent: str


@dataclass(frozen=True)
class Report:
    filters: Filters
    overall: Figures
    groups: dict[str, list[GroupRow]]
    distribution: dict[int, int]
    lowest: list[LowAnswer]


def _answered(filters: Filters, since: datetime | None = None, until: datetime | None = None
              ) -> list[Any]:
    return [col(Survey.answered_at) >= (since or filters.since),
            col(Survey.answered_at) < (until or filters.until),
            col(Survey.rating).is_not(None),
            *scope_conditions(filters, col(Survey.agent_id), col(Survey.team_id))]


def _sent(filters: Filters, since: datetime, until: datetime) -> list[Any]:
    return [col(Survey.sent_at) >= since, col(Survey.sent_at) < until,
            *scope_conditions(filters, col(Survey.agent_id), col(Survey.team_id))]


# Each cell: (agent, team, channel, tier, organisation). Two scans of covering indexes give
# every figure.
Cell = tuple[Any, Any, str, str, Any]


@dataclass
class _Counts:
    answers: dict[Cell, dict[int, int]]  # per cell, answers per rating
    sent: dict[Cell, tuple[int, int]]  # per cell, (surveys sent, of them answered)


def _live_counts(session: Session, filters: Filters, since: datetime, until: datetime,
                 into: _Counts) -> None:
    cell = (col(Survey.agent_id), col(Survey.team_id), col(Survey.channel), col(Survey.tier),
            col(Survey.organization_id))
    # SQLAlchemy's select: sqlmodel's is typed for at most four columns.
    for agent, team, channel, tier, org, rating, n in session.execute(
            sa_select(*cell, col(Survey.rating), func.count())
            .where(*_answered(filters, since, until)).group_by(*cell, col(Survey.rating))).all():
        per_rating = into.answers.setdefault((agent, team, channel, tier, org), {})
        per_rating[int(rating or 0)] = per_rating.get(int(rating or 0), 0) + int(n)
    for agent, team, channel, tier, org, n, r in session.execute(
            sa_select(*cell, func.count(), func.count(col(Survey.rating)))
            .where(*_sent(filters, since, until)).group_by(*cell)).all():
        before = into.sent.get((agent, team, channel, tier, org), (0, 0))
        into.sent[(agent, team, channel, tier, org)] = (before[0] + int(n), before[1] + int(r or 0))


def _rolled_counts(session: Session, filters: Filters, first: str, last: str, into: _Counts) -> None:
    t = REPORT_ANSWERS.c
    cell = (t.agent_id, t.team_id, t.channel, t.tier, t.organization_id)
    for row in session.execute(
            sa_select(*cell, *(func.sum(t[name]) for name in (*RATING_COLUMNS, "sent", "responded")))
            .where(t.day >= first, t.day <= last, *scope_conditions(filters, t.agent_id, t.team_id))
            .group_by(*cell)).all():
        key = tuple(row[:5])
        sums = [int(n or 0) for n in row[5:]]
        per_rating = into.answers.setdefault(key, {})  # type: ignore[arg-type]
        for rating, n in zip(RATINGS, sums[:5], strict=True):
            if n:
                per_rating[rating] = per_rating.get(rating, 0) + n
        before = into.sent.get(key, (0, 0))  # type: ignore[arg-type]
        into.sent[key] = (before[0] + sums[5], before[1] + sums[6])  # type: ignore[index]


def _counts(session: Session, filters: Filters) -> _Counts:
    counts = _Counts({}, {})
    split = split_period(session, filters.since, filters.until)
    if split.days is not None:
        _rolled_counts(session, filters, split.days[0].isoformat(), split.days[1].isoformat(), counts)
    for since, until in split.live:
        _live_counts(session, filters, since, until, counts)
    return counts


def _figures(ratings: dict[int, int], sent: tuple[int, int]) -> Figures:
    return Figures(answers=sum(ratings.values()),
                   satisfied=sum(n for r, n in ratings.items() if r >= SATISFIED),
                   rating_sum=sum(r * n for r, n in ratings.items()), sent=sent[0],
                   responded=sent[1])


def _figures_by(counts: _Counts, position: int) -> dict[Any, Figures]:
    """Figures per agent (position 0), team (1), channel (2), tier (3) or organisation (4)."""
    ratings: dict[Any, dict[int, int]] = {}
    sent: dict[Any, tuple[int, int]] = {}
    for cell, per_rating in counts.answers.items():
        into = ratings.setdefault(cell[position], {})
        for rating, n in per_rating.items():
            into[rating] = into.get(rating, 0) + n
    for cell, (n, r) in counts.sent.items():
        before = sent.get(cell[position], (0, 0))
        sent[cell[position]] = (before[0] + n, before[1] + r)
    return {key: _figures(ratings.get(key, {}), sent.get(key, (0, 0)))
            for key in ratings.keys() | sent.keys()}


def _labels(session: Session, group: str, keys: list[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if group == "agent" and ids:
        return dict(session.exec(select(User.id, User.name).where(col(User.id).in_(ids))).all())
    if group == "team" and ids:
        return dict(session.exec(select(Team.id, Team.name).where(col(Team.id).in_(ids))).all())
    if group == "organization" and ids:
        return dict(session.exec(select(Organization.id, Organization.name)
                                 .where(col(Organization.id).in_(ids))).all())
    return {k: str(k) for k in keys if k is not None}


def _group_rows(session: Session, group: str, counts: _Counts) -> list[GroupRow]:
    """One row per agent, team or channel with answers or surveys sent, most answers first."""
    figures = _figures_by(counts, GROUPS.index(group))
    labels = _labels(session, group, list(figures))
    rows = [GroupRow(key, labels.get(key, ""), f) for key, f in figures.items()]
    return sorted(rows, key=lambda r: (-r.figures.answers, r.label))


def _distribution(counts: _Counts) -> dict[int, int]:
    return {rating: sum(c.get(rating, 0) for c in counts.answers.values()) for rating in RATINGS}


def _lowest(session: Session, filters: Filters) -> list[LowAnswer]:
    """Lowest first, newest first within a rating: one walk of ix_survey_rating_answered
    (backwards from the period's end) per rating below SATISFIED, until LOWEST_LIMIT."""
    found: list[LowAnswer] = []
    for rating in range(RATINGS[0], SATISFIED):
        if len(found) >= LOWEST_LIMIT:
            break
        rows = session.exec(
            select(Survey, Ticket.subject, User.name)
            .join(Ticket, col(Ticket.id) == Survey.ticket_id)
            .outerjoin(User, col(User.id) == Survey.agent_id)
            .where(col(Survey.rating) == rating, *_answered(filters))
            .order_by(col(Survey.answered_at).desc()).limit(LOWEST_LIMIT - len(found))).all()
        found += [LowAnswer(s.id or 0, s.ticket_id, subject, rating, s.comment,
                            s.answered_at or s.created_at, name or "") for s, subject, name in rows]
    return found


def _total(rows: list[GroupRow]) -> Figures:
    return Figures(*(sum(getattr(r.figures, name) for r in rows) for name in
                     ("answers", "satisfied", "rating_sum", "sent", "responded")))


def satisfaction_report(session: Session, filters: Filters) -> Report:
    counts = _counts(session, filters)
    groups = {group: _group_rows(session, group, counts) for group in GROUPS}
    # Every survey has one channel: the channels' figures add up to the whole.
    return Report(filters=filters, overall=_total(groups["channel"]), groups=groups,
                  distribution=_distribution(counts), lowest=_lowest(session, filters))
