"""`/reports/`: the satisfaction dashboard (agents see their own answers, supervisors their
teams', admins all): figures by agent, team, channel, tier and organisation, over time as a
chart, and each table as CSV."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.reports.exports import record_report_export
from desk.actions.reports.rollup import request_roll_up
from desk.i18n import _
from desk.queries.reports.rolled import last_complete_run
from desk.queries.surveys.report import GROUPS, GroupRow, LowAnswer, Report, satisfaction_report
from desk.queries.surveys.trend import TrendPoint, satisfaction_trend
from desk.web.auth import db_of
from desk.web.reports.charts import columns
from desk.web.reports.exports import csv_response, csv_text, number, percent
from desk.web.reports.filters import PERIODS
from desk.web.reports.viewer import Viewer, viewer_of
from desk.web.templating import render

CSV_COLUMNS = ("answers", "csat_percent", "average", "surveys_sent", "response_rate_percent")
TREND_COLUMNS = ("start", "answers", "csat_percent", "average")
LOWEST_COLUMNS = ("rating", "ticket", "subject", "agent", "answered_at", "comment")
# The tables of the page besides the groups, each with its own CSV.
OTHER_TABLES = ("trend", "distribution", "lowest")


def _report(request: Request) -> tuple[Viewer, Report, list[TrendPoint]]:
    viewer = viewer_of(request)
    with db_of(request).session() as session:
        report = satisfaction_report(session, viewer.filters)
        trend = satisfaction_trend(session, viewer.filters, viewer.period.unit)
        # Whole days come from the daily roll-up: keep it made (a job, at most every 10 min).
        request_roll_up(session, last_complete_run(session))
    return viewer, report, trend


def trend_chart(trend: list[TrendPoint]) -> object:
    return columns([p.start.isoformat() for p in trend],
                   [(_("CSAT"), [None if p.csat is None else p.csat * 100 for p in trend])],
                   top=100, unit="%", title=_("CSAT over time"))


async def dashboard(request: Request) -> Response:
    viewer, report, trend = _report(request)
    return render(request, "reports/satisfaction.html", report=report, period=viewer.period,
                  teams=viewer.teams, periods=PERIODS, groups=GROUPS, trend=trend,
                  chart=trend_chart(trend), viewer=viewer)


def group_csv(group: str, rows: list[GroupRow]) -> str:
    """One table of the dashboard as CSV."""
    return csv_text((group, *CSV_COLUMNS), (
        (row.label or "-", row.figures.answers, percent(row.figures.csat),
         number(row.figures.average), row.figures.sent, percent(row.figures.response_rate))
        for row in rows))


def trend_csv(trend: list[TrendPoint]) -> str:
    return csv_text(TREND_COLUMNS, ((p.start.isoformat(), p.answers, percent(p.csat),
                                     number(p.average)) for p in trend))


def distribution_csv(distribution: dict[int, int]) -> str:
    """Answers per rating, highest first, as the page lists them."""
    total = sum(distribution.values())
    return csv_text(("rating", "answers", "share_percent"), (
        (rating, n, percent(n / total if total else None))
        for rating, n in sorted(distribution.items(), reverse=True)))


def lowest_csv(lowest: list[LowAnswer]) -> str:
    """The lowest answers with their comments (as typed: a cell that looks like a formula
    is quoted)."""
    return csv_text(LOWEST_COLUMNS, ((a.rating, a.ticket_id, a.subject, a.agent or "-",
                                      a.answered_at.isoformat(), a.comment) for a in lowest))


def _table_csv(table: str, viewer: Viewer, report: Report, trend: list[TrendPoint]
               ) -> tuple[str, str]:
    """(file name without the period, CSV) of one of the page's tables."""
    if table == "trend":
        return f"satisfaction-by-{viewer.period.unit}", trend_csv(trend)
    if table == "distribution":
        return "satisfaction-distribution", distribution_csv(report.distribution)
    if table == "lowest":
        return "satisfaction-lowest", lowest_csv(report.lowest)
    group = table.removesuffix("s")
    return f"satisfaction-by-{group}", group_csv(group, report.groups[group])


async def export_group(request: Request) -> Response:
    """``/reports/satisfaction/{agents,teams,channels,tiers,organizations,trend,distribution,
    lowest}.csv`` with the page's filters; recorded in the audit log."""
    table = request.path_params["table"]
    if table.removesuffix("s") not in GROUPS and table not in OTHER_TABLES:
        raise HTTPException(404, _("Not found."))
    viewer, report, trend = _report(request)
    period = viewer.period
    span = f"{period.days}d" if period.days else f"{period.start}_{period.end}"
    name, text = _table_csv(table, viewer, report, trend)
    with db_of(request).session() as session:
        record_report_export(session, Actor.of_user(viewer.user), f"satisfaction/{table}",
                             dict(parse_qsl(period.query())))
    return csv_response(f"{name}-{span}.csv", text)


async def to_dashboard(request: Request) -> Response:
    return RedirectResponse("/reports/", status_code=308)


routes = [
    Route("/reports", to_dashboard, methods=["GET"]),
    Route("/reports/", dashboard, methods=["GET"]),
    Route("/reports/satisfaction/{table}.csv", export_group, methods=["GET"]),
]
