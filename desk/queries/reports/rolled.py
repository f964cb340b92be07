"""Which part of a report's period the daily roll-up answers: the whole UTC days before the
start of its last complete run (final there, see desk.actions.reports.rollup), and the
rest (today, a part day at either end, or everything when nothing was rolled up yet) read
live from the surveys."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from desk.models import DeskSetting
from desk.models.base import aware

PROGRESS_KEY = "reports.rolled_up_through"
# When the last run that reached today started: every day before that one is final.
COMPLETE_KEY = "reports.complete_run_started"


@dataclass(frozen=True)
class Split:
    days: tuple[date, date] | None  # whole days from the roll-up, both counted
    live: list[tuple[datetime, datetime]] = field(default_factory=list)


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def last_complete_run(session: Session) -> datetime | None:
    """When the last roll-up run that reached today started (None: never)."""
    row = session.get(DeskSetting, COMPLETE_KEY)
    return aware(datetime.fromisoformat(row.value)) if row is not None and row.value else None


def split_period(session: Session, since: datetime, until: datetime) -> Split:
    complete = last_complete_run(session)
    if complete is None:
        return Split(None, [(since, until)])
    final_before = complete.date()
    first = since.date() if _start(since.date()) == since else since.date() + timedelta(days=1)
    last = min(until.date() - timedelta(days=1), final_before - timedelta(days=1))
    if first > last:
        return Split(None, [(since, until)])
    live = []
    if since < _start(first):
        live.append((since, _start(first)))
    if _start(last + timedelta(days=1)) < until:
        live.append((_start(last + timedelta(days=1)), until))
    return Split((first, last), live)
