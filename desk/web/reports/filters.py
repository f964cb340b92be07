"""The reports' filters, read from a query string: the last 7, 30 or 90 days or a date range
(`from`, `to`: YYYY-MM-DD, both days counted, at most MAX_SPAN_DAYS), optionally one team
(of those the viewer may see), and the charts' unit (day, week or month). Anything else
falls back to the defaults (pages) or is refused (the API, which names the parameter)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from desk.models.base import now
from desk.queries.reports.periods import UNITS
from desk.queries.reports.scope import Filters, Scope

PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_SPAN_DAYS = 400


@dataclass(frozen=True)
class Period:
    """What the viewer chose, to show in the form and carry into links and exports."""

    days: int | None  # 7, 30 or 90; None for a date range
    start: date | None
    end: date | None
    unit: str
    team_id: int | None

    def query(self, **extra: str) -> str:
        params: dict[str, str] = (
            {"days": str(self.days)} if self.days is not None
            else {"from": (self.start or date.min).isoformat(), "to": (self.end or date.min).isoformat()})
        if self.team_id is not None:
            params["team"] = str(self.team_id)
        params["unit"] = self.unit
        return urlencode({**params, **extra})


def _number(text: str) -> int | None:
    """A plain number of at most nine digits; None for anything else (Python refuses to
    read numbers of thousands of digits, and no id or period is that long)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _date(text: str) -> date | None:
    if len(text) != 10 or not text.isascii():
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _range(params: Mapping[str, str], errors: dict[str, str]) -> tuple[date, date] | None:
    """The date range asked for, when one is; errors for what cannot be read."""
    start_text, end_text = params.get("from", ""), params.get("to", "")
    if not start_text and not end_text:
        return None
    today = now().date()
    end = _date(end_text) if end_text else today
    start = _date(start_text) if start_text else (end or today) - timedelta(days=DEFAULT_DAYS - 1)
    if start_text and start is None:
        errors["from"] = "invalid_date"
    if end_text and end is None:
        errors["to"] = "invalid_date"
    if start is None or end is None:
        return None
    if end < start:
        errors["to"] = "before_from"
        return None
    if (end - start).days >= MAX_SPAN_DAYS:
        errors["from"] = "span_too_long"
        return None
    return start, end


def read_filters(params: Mapping[str, str], team_ids: Collection[int], scope: Scope = Scope()
                 ) -> tuple[Filters, Period, dict[str, str]]:
    """(filters, period, errors by parameter): unusable values are left at their default.
    `team_ids`: the teams the viewer may choose; `scope`: what they may see at all."""
    errors: dict[str, str] = {}
    days_text = params.get("days", "")
    days = _number(days_text)
    if days not in PERIODS:
        if days_text:
            errors["days"] = "invalid_choice"
        days = DEFAULT_DAYS
    team_text = params.get("team", "")
    team_id = _number(team_text)
    if team_id not in team_ids:
        if team_text:
            errors["team"] = "not_found"
        team_id = None
    unit = params.get("unit", "") or "day"
    if unit not in UNITS:
        errors["unit"] = "invalid_choice"
        unit = "day"
    chosen = _range(params, errors)
    if chosen is not None:
        since, until = _midnight(chosen[0]), _midnight(chosen[1] + timedelta(days=1))
        period = Period(None, chosen[0], chosen[1], unit, team_id)
    else:
        until = now()
        since = until - timedelta(days=days)
        period = Period(days, None, None, unit, team_id)
    return Filters(since=since, until=until, team_id=team_id, scope=scope), period, errors
