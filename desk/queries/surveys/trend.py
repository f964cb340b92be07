"""Satisfaction over time: answers, CSAT and average per day, week or month of the period,
within the viewer's scope. One grouped read of the answers' covering index per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from desk.models import RATINGS, SATISFIED, Survey
from desk.models.reports import RATING_COLUMNS, REPORT_ANSWERS
from desk.queries.reports.periods import bucket_of, buckets, day_of
from desk.queries.reports.rolled import split_period
from desk.queries.reports.scope import Filters, scope_conditions


@dataclass(frozen=True)
class TrendPoint:
    start: date
    answers: int
    satisfied: int
    rating_sum: int

    @property
    def csat(self) -> float | None:
        return self.satisfied / self.answers if self.answers else None

    @property
    def average(self) -> float | None:
        return self.rating_sum / self.answers if self.answers else None


def _live(session: Session, filters: Filters, since: datetime, until: datetime
          ) -> list[tuple[str, int, int, int]]:
    day = day_of(session, col(Survey.answered_at))
    rows = session.execute(
        sa_select(day, func.count(), func.sum(case((col(Survey.rating) >= SATISFIED, 1), else_=0)),
                  func.sum(col(Survey.rating)))
        .where(col(Survey.answered_at) >= since, col(Survey.answered_at) < until,
               col(Survey.rating).is_not(None),
               *scope_conditions(filters, col(Survey.agent_id), col(Survey.team_id)))
        .group_by(day)).all()
    return [(text, int(n), int(satisfied or 0), int(total or 0)) for text, n, satisfied, total in rows]


def _rolled(session: Session, filters: Filters, first: str, last: str) -> list[tuple[str, int, int, int]]:
    t = REPORT_ANSWERS.c
    found = []
    for row in session.execute(
            sa_select(t.day, *(func.sum(t[name]) for name in RATING_COLUMNS))
            .where(t.day >= first, t.day <= last, *scope_conditions(filters, t.agent_id, t.team_id))
            .group_by(t.day)).all():
        per_rating = [int(n or 0) for n in row[1:]]
        found.append((row[0], sum(per_rating),
                      sum(n for r, n in zip(RATINGS, per_rating, strict=True) if r >= SATISFIED),
                      sum(r * n for r, n in zip(RATINGS, per_rating, strict=True))))
    return found


def satisfaction_trend(session: Session, filters: Filters, unit: str) -> list[TrendPoint]:
    """One point per bucket of the period (empty ones too), oldest first."""
    split = split_period(session, filters.since, filters.until)
    rows = [] if split.days is None else _rolled(session, filters, split.days[0].isoformat(),
                                                 split.days[1].isoformat())
    for since, until in split.live:
        rows += _live(session, filters, since, until)
    sums: dict[date, list[int]] = {}
    for text, n, satisfied, total in rows:
        into = sums.setdefault(bucket_of(date.fromisoformat(text), unit), [0, 0, 0])
        into[0] += n
        into[1] += satisfied
        into[2] += total
    return [TrendPoint(b, *sums.get(b, [0, 0, 0])) for b in buckets(filters.since, filters.until, unit)]
