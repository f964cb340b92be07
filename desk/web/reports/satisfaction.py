"""`/reports/`: the satisfaction dashboard for supervisors and admins, and its per-agent
table as CSV (UTF-8 with a BOM, so Excel reads Chinese names right)."""

from __future__ import annotations

import csv
import io

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.i18n import _
from desk.models import Role
from desk.queries.surveys.report import GROUPS, GroupRow, Report, satisfaction_report
from desk.queries.users import list_teams
from desk.web.auth import db_of, staff
from desk.web.reports.filters import PERIODS, read_filters
from desk.web.templating import render

CSV_COLUMNS = ("answers", "csat_percent", "average", "surveys_sent", "response_rate_percent")


def _report(request: Request) -> tuple[Report, int, list[object]]:
    with db_of(request).session() as session:
        teams = list_teams(session)
        filters, days, _errors = read_filters(request.query_params, {t.id for t in teams if t.id})
        report = satisfaction_report(session, filters)
    return report, days, list(teams)


async def dashboard(request: Request) -> Response:
    staff(request, Role.supervisor)
    report, days, teams = _report(request)
    return render(request, "reports/satisfaction.html", report=report, days=days, teams=teams,
                  periods=PERIODS, groups=GROUPS)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _cell(text: str) -> str:
    """A spreadsheet must not read a name as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def group_csv(group: str, rows: list[GroupRow]) -> str:
    """One table of the dashboard as CSV: UTF-8 with a BOM (Excel then reads Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow((group, *CSV_COLUMNS))
    for row in rows:
        f = row.figures
        writer.writerow((_cell(row.label or "-"), f.answers, _percent(f.csat),
                         "" if f.average is None else f"{f.average:.2f}", f.sent,
                         _percent(f.response_rate)))
    return "\ufeff" + buffer.getvalue()


async def export_group(request: Request) -> Response:
    """``/reports/satisfaction/{agents,teams,channels,tiers}.csv`` with the page's filters."""
    staff(request, Role.supervisor)
    group = request.path_params["table"].removesuffix("s")
    if group not in GROUPS:
        raise HTTPException(404, _("Not found."))
    report, days, _teams = _report(request)
    name = f"satisfaction-by-{group}-{days}d.csv"
    return Response(group_csv(group, report.groups[group]), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def to_dashboard(request: Request) -> Response:
    return RedirectResponse("/reports/", status_code=308)


routes = [
    Route("/reports", to_dashboard, methods=["GET"]),
    Route("/reports/", dashboard, methods=["GET"]),
    Route("/reports/satisfaction/{table}.csv", export_group, methods=["GET"]),
]
