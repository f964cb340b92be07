"""The satisfaction report: CSAT (share of 4 and 5), average, response rate and number of
answers, overall and by agent, team and channel, the distribution, and the lowest answers.

Answers are counted by when they were given; the response rate is the share of the surveys
sent in the period that have an answer. Both read the snapshot taken at the solve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from desk.models import SATISFIED, Survey, Team, Ticket, User

GROUPS = ("agent", "team", "channel")
_COLUMNS: dict[str, Any] = {"agent": Survey.agent_id, "team": Survey.team_id,
                            "channel": Survey.channel}
LOWEST_LIMIT = 20


@dataclass(frozen=True)
class Filters:
    since: datetime
    until: datetime
    team_id: int | None = None


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
    key: Any  # an agent's or team's id (None: nobody/no team), or a channel
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


def _answered(filters: Filters) -> list[Any]:
    where = [col(Survey.answered_at) >= filters.since, col(Survey.answered_at) < filters.until,
             col(Survey.rating).is_not(None)]
    if filters.team_id is not None:
        where.append(col(Survey.team_id) == filters.team_id)
    return where


def _sent(filters: Filters) -> list[Any]:
    where = [col(Survey.sent_at) >= filters.since, col(Survey.sent_at) < filters.until]
    if filters.team_id is not None:
        where.append(col(Survey.team_id) == filters.team_id)
    return where


def _figures_by(session: Session, column: Any, filters: Filters) -> dict[Any, Figures]:
    """Figures per value of `column`."""
    satisfied = func.sum(case((col(Survey.rating) >= SATISFIED, 1), else_=0))
    answers = {key: (n, int(s or 0), int(t or 0)) for key, n, s, t in session.exec(
        select(column, func.count(col(Survey.rating)), satisfied, func.sum(col(Survey.rating)))
        .where(*_answered(filters)).group_by(column)).all()}
    sent = {key: (n, int(r or 0)) for key, n, r in session.exec(
        select(column, func.count(), func.count(col(Survey.rating)))
        .where(*_sent(filters)).group_by(column)).all()}
    return {key: Figures(*answers.get(key, (0, 0, 0)), *sent.get(key, (0, 0)))
            for key in answers.keys() | sent.keys()}


def _labels(session: Session, group: str, keys: list[Any]) -> dict[Any, str]:
    ids = [k for k in keys if k is not None]
    if group == "agent" and ids:
        return dict(session.exec(select(User.id, User.name).where(col(User.id).in_(ids))).all())
    if group == "team" and ids:
        return dict(session.exec(select(Team.id, Team.name).where(col(Team.id).in_(ids))).all())
    return {k: str(k) for k in keys if k is not None}


def group_rows(session: Session, group: str, filters: Filters) -> list[GroupRow]:
    """One row per agent, team or channel with answers or surveys sent, most answers first."""
    figures = _figures_by(session, _COLUMNS[group], filters)
    labels = _labels(session, group, list(figures))
    rows = [GroupRow(key, labels.get(key, ""), f) for key, f in figures.items()]
    return sorted(rows, key=lambda r: (-r.figures.answers, r.label))


def _distribution(session: Session, filters: Filters) -> dict[int, int]:
    counts = dict(session.exec(select(Survey.rating, func.count()).where(*_answered(filters))
                               .group_by(col(Survey.rating))).all())
    return {rating: int(counts.get(rating, 0)) for rating in range(1, 6)}


def _lowest(session: Session, filters: Filters) -> list[LowAnswer]:
    rows = session.exec(
        select(Survey, Ticket.subject, User.name)
        .join(Ticket, col(Ticket.id) == Survey.ticket_id)
        .outerjoin(User, col(User.id) == Survey.agent_id)
        .where(*_answered(filters), col(Survey.rating) < SATISFIED)
        .order_by(col(Survey.rating), col(Survey.answered_at).desc()).limit(LOWEST_LIMIT)).all()
    return [LowAnswer(s.id or 0, s.ticket_id, subject, s.rating or 0, s.comment,
                      s.answered_at or s.created_at, name or "") for s, subject, name in rows]


def _total(rows: list[GroupRow]) -> Figures:
    return Figures(*(sum(getattr(r.figures, name) for r in rows) for name in
                     ("answers", "satisfied", "rating_sum", "sent", "responded")))


def satisfaction_report(session: Session, filters: Filters) -> Report:
    groups = {group: group_rows(session, group, filters) for group in GROUPS}
    # Every survey has one channel: the channels' figures add up to the whole.
    return Report(filters=filters, overall=_total(groups["channel"]), groups=groups,
                  distribution=_distribution(session, filters), lowest=_lowest(session, filters))
