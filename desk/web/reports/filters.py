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


def read_filters(params: Mapping[str, str], team_ids: Collection[int]
                 ) -> tuple[Filters, int, dict[str, str]]:
    """(filters, days, errors by parameter): unusable values are left at their default."""
    errors: dict[str, str] = {}
    days_text = params.get("days", "")
    days = int(days_text) if days_text.isdigit() and int(days_text) in PERIODS else DEFAULT_DAYS
    if days_text and days != (int(days_text) if days_text.isdigit() else None):
        errors["days"] = "invalid_choice"
    team_text = params.get("team", "")
    team_id = int(team_text) if team_text.isdigit() and int(team_text) in team_ids else None
    if team_text and team_id is None:
        errors["team"] = "not_found"
    until = now()
    return Filters(since=until - timedelta(days=days), until=until, team_id=team_id), days, errors
