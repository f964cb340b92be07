"""Satisfaction over time: answers, CSAT and average per day, week or month of the period,
within the viewer's scope. One grouped read of the answers' covering index per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from desk.models import SATISFIED, Survey
from desk.queries.reports.periods import bucket_of, buckets, day_of
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


def satisfaction_trend(session: Session, filters: Filters, unit: str) -> list[TrendPoint]:
    """One point per bucket of the period (empty ones too), oldest first."""
    day = day_of(session, col(Survey.answered_at))
    rows = session.execute(
        sa_select(day, func.count(), func.sum(case((col(Survey.rating) >= SATISFIED, 1), else_=0)),
                  func.sum(col(Survey.rating)))
        .where(col(Survey.answered_at) >= filters.since, col(Survey.answered_at) < filters.until,
               col(Survey.rating).is_not(None),
               *scope_conditions(filters, col(Survey.agent_id), col(Survey.team_id)))
        .group_by(day)).all()
    sums: dict[date, list[int]] = {}
    for text, n, satisfied, total in rows:
        into = sums.setdefault(bucket_of(date.fromisoformat(text), unit), [0, 0, 0])
        into[0] += int(n)
        into[1] += int(satisfied or 0)
        into[2] += int(total or 0)
    return [TrendPoint(b, *sums.get(b, [0, 0, 0])) for b in buckets(filters.since, filters.until, unit)]
