"""`GET /api/v1/reports/satisfaction`: the satisfaction report as JSON (supervisors and admins),
with the dashboard's filters: `days` (7, 30 or 90) and `team`."""

from __future__ import annotations

from typing import Any

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.models import Role
from desk.queries.surveys.report import Figures, GroupRow, Report, satisfaction_report
from desk.queries.users import list_teams
from desk.web.api.inputs import invalid
from desk.web.api.schemas import iso
from desk.web.api.tokens import authenticated
from desk.web.auth import ROLE_RANK
from desk.web.errors import ApiError
from desk.web.reports.filters import read_filters

PARAMS = ("days", "team")
JSON = dict[str, Any]


def figures_json(f: Figures) -> JSON:
    return {"answers": f.answers, "csat": f.csat, "average": f.average, "surveys_sent": f.sent,
            "response_rate": f.response_rate}


def _group_json(row: GroupRow) -> JSON:
    return {"key": row.key, "label": row.label, **figures_json(row.figures)}


def report_json(report: Report, days: int) -> JSON:
    f = report.filters
    return {
        "from": iso(f.since), "to": iso(f.until), "days": days, "team": f.team_id,
        **figures_json(report.overall),
        "distribution": {str(rating): n for rating, n in report.distribution.items()},
        **{f"by_{group}": [_group_json(r) for r in rows]
           for group, rows in report.groups.items()},
        "lowest": [{"survey": a.survey_id, "ticket": a.ticket_id, "subject": a.subject,
                    "rating": a.rating, "comment": a.comment, "answered_at": iso(a.answered_at),
                    "agent": a.agent} for a in report.lowest],
    }


class SatisfactionReport(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        params = request.query_params
        with authenticated(request) as (session, user):
            if ROLE_RANK.get(Role(user.role), 0) < ROLE_RANK[Role.supervisor]:
                raise ApiError(403, "only admins and supervisors may read reports")
            teams = {t.id for t in list_teams(session) if t.id is not None}
            filters, days, errors = read_filters(params, teams)
            errors.update({name: "unknown_parameter" for name in params if name not in PARAMS})
            if errors:
                raise invalid(errors, "invalid query parameters")
            return JSONResponse(report_json(satisfaction_report(session, filters), days))


routes = [Route("/reports/satisfaction", SatisfactionReport, name="api:reports:satisfaction")]
