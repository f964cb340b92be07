"""The reports' filters, read from a query string: a period of the last 7, 30 or 90 days
and optionally one team. Anything else falls back to the defaults (pages) or is refused
(the API, which names the parameter)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta

from desk.models.base import now
from desk.queries.surveys.report import Filters

PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30


def _number(text: str) -> int | None:
    """A plain number of at most nine digits; None for anything else (Python refuses to
    read numbers of thousands of digits, and no id or period is that long)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def read_filters(params: Mapping[str, str], team_ids: Collection[int]
                 ) -> tuple[Filters, int, dict[str, str]]:
    """(filters, days, errors by parameter): unusable values are left at their default."""
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
    until = now()
    return Filters(since=until - timedelta(days=days), until=until, team_id=team_id), days, errors
