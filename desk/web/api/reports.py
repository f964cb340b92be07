"""The reports as JSON, within what the token's owner may see (agents their own figures,
supervisors their teams', admins all):

- `GET /api/v1/reports/satisfaction`: the dashboard's whole satisfaction report (`days`, `team`);
- `GET /api/v1/reports/csat?from=&to=&group_by=`: CSAT figures grouped by agent, team,
  channel, tier, organisation, or over time (day, week, month);
- `GET /api/v1/reports/service?from=&to=&group_by=`: the service figures, and their counters
  grouped by agent, team, channel, or over time (day, week, month).

Like the report pages, each call asks for the daily roll-up to be made again when it is
older than ten minutes (a job), so a caller that never opens a page still gets fresh figures."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlmodel import Session
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.actions.reports.rollup import request_roll_up
from desk.models import User
from desk.queries.reports.rolled import last_complete_run
from desk.queries.reports.scope import Filters, report_scope
from desk.queries.reports.service import SERVICE_GROUPS, service_groups, service_report
from desk.queries.surveys.report import Figures, GroupRow, Report, satisfaction_report
from desk.queries.surveys.trend import satisfaction_trend
from desk.web.api.inputs import invalid
from desk.web.api.reports_service import service_group_json, service_json
from desk.web.api.schemas import iso
from desk.web.api.tokens import authenticated
from desk.web.reports.filters import Period, read_filters

PARAMS = ("days", "team")
RANGE_PARAMS = ("days", "from", "to", "team")
CSAT_GROUPS = ("agent", "team", "channel", "tier", "organisation", "day", "week", "month")
JSON = dict[str, Any]


def figures_json(f: Figures) -> JSON:
    return {"answers": f.answers, "csat": f.csat, "average": f.average, "surveys_sent": f.sent,
            "response_rate": f.response_rate}


def _group_json(row: GroupRow) -> JSON:
    return {"key": row.key, "label": row.label, **figures_json(row.figures)}


def report_json(report: Report, days: int | None) -> JSON:
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


def _filters(session: Session, user: User, params: Mapping[str, str], allowed: Collection[str],
             extra: dict[str, str] | None = None) -> tuple[Filters, Period]:
    """The query's filters within the user's scope; 422 naming each unusable parameter."""
    scope, teams = report_scope(session, user)
    filters, period, errors = read_filters(
        {k: v for k, v in params.items() if k != "unit"}, {t.id for t in teams if t.id}, scope)
    errors.update(extra or {})
    # The page's form sends empty dates with a period; an API caller means a date.
    errors.update({name: "invalid_date" for name in ("from", "to") if params.get(name) == ""})
    errors.update({name: "unknown_parameter" for name in params if name not in allowed})
    if errors:
        raise invalid(errors, "invalid query parameters")
    return filters, period


def _keep_rolled_up(session: Session) -> None:
    """Queue the daily roll-up when it is stale, as a report page does (committed)."""
    request_roll_up(session, last_complete_run(session))


class SatisfactionReport(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            filters, period = _filters(session, user, request.query_params, PARAMS)
            found = report_json(satisfaction_report(session, filters), period.days)
            _keep_rolled_up(session)
            return JSONResponse(found)


class CsatReport(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        params = request.query_params
        group = params.get("group_by", "agent")
        bad = {} if group in CSAT_GROUPS else {"group_by": "invalid_choice"}
        with authenticated(request) as (session, user):
            filters, _period = _filters(session, user, params, (*RANGE_PARAMS, "group_by"), bad)
            head = {"from": iso(filters.since), "to": iso(filters.until), "team": filters.team_id,
                    "group_by": group}
            _keep_rolled_up(session)
            if group in ("day", "week", "month"):
                points = satisfaction_trend(session, filters, group)
                answers = sum(p.answers for p in points)
                return JSONResponse({**head, "answers": answers, "groups": [
                    {"key": p.start.isoformat(), "label": p.start.isoformat(), "answers": p.answers,
                     "csat": p.csat, "average": p.average} for p in points]})
            report = satisfaction_report(session, filters)
            rows = report.groups["organization" if group == "organisation" else group]
            return JSONResponse({**head, **figures_json(report.overall),
                                 "groups": [_group_json(r) for r in rows]})


class ServiceReport(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        params = request.query_params
        group = params.get("group_by")
        bad = {} if group is None or group in SERVICE_GROUPS else {"group_by": "invalid_choice"}
        with authenticated(request) as (session, user):
            filters, _period = _filters(session, user, params, (*RANGE_PARAMS, "group_by"), bad)
            found = service_json(service_report(session, filters))
            found["group_by"] = group
            found["groups"] = ([] if group is None else
                               [service_group_json(g) for g in service_groups(session, filters, group)])
            _keep_rolled_up(session)
            return JSONResponse(found)


routes = [
    Route("/reports/satisfaction", SatisfactionReport, name="api:reports:satisfaction"),
    Route("/reports/csat", CsatReport, name="api:reports:csat"),
    Route("/reports/service", ServiceReport, name="api:reports:service"),
]
