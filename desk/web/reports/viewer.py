"""What every report page and export starts with: the signed-in staff member, what they may
see (agents their own figures, supervisors their teams', admins all: decided on the server),
and the filters of the query string within that."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from desk.models import Team, User
from desk.queries.reports.scope import Filters, report_scope
from desk.web.auth import db_of, staff
from desk.web.reports.filters import Period, read_filters


@dataclass(frozen=True)
class Viewer:
    user: User
    filters: Filters
    period: Period
    teams: list[Team]


def viewer_of(request: Request) -> Viewer:
    """Any staff member (agents see only their own figures); raises like `staff`."""
    user = staff(request)
    with db_of(request).session() as session:
        scope, teams = report_scope(session, user)
    filters, period, _errors = read_filters(request.query_params, {t.id for t in teams if t.id}, scope)
    return Viewer(user, filters, period, teams)
