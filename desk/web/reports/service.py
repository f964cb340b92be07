"""`/reports/service`: the service figures beside satisfaction (agents their own, supervisors
their teams', admins all): volume by channel and over time, first-response and resolution
times, SLA met, reopen and repeat-contact rates, the backlog by age and a table per agent;
charts as SVG, every table as CSV. The figures come from the daily roll-up: a page that
finds it older than ten minutes asks for it to be made again (a job), and says how old it is."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.reports.exports import record_report_export
from desk.actions.reports.rollup import request_roll_up
from desk.i18n import _
from desk.queries.reports.rolled import last_complete_run
from desk.queries.reports.service import ServiceReport, service_report
from desk.web.auth import db_of
from desk.web.reports.charts import bars, columns
from desk.web.reports.exports import csv_response, csv_text, number, percent
from desk.web.reports.filters import PERIODS
from desk.web.reports.viewer import Viewer, viewer_of
from desk.web.templating import render

BACKLOG_LABELS = {"under_1d": _("Under a day"), "1_3d": _("1 to 3 days"), "3_7d": _("3 to 7 days"),
                  "7_30d": _("7 to 30 days"), "over_30d": _("Over 30 days")}
TABLES = ("channels", "agents", "backlog", "volume")


def _report(request: Request) -> tuple[Viewer, ServiceReport]:
    viewer = viewer_of(request)
    with db_of(request).session() as session:
        report = service_report(session, viewer.filters, viewer.period.unit)
        request_roll_up(session, last_complete_run(session))
    return viewer, report


def _hours(seconds: float | None) -> str:
    return number(None if seconds is None else seconds / 3600)


async def page(request: Request) -> Response:
    viewer, report = _report(request)
    volume = columns([p.start.isoformat() for p in report.volume],
                     [(_("Created"), [p.created for p in report.volume]),
                      (_("Solved"), [p.solved for p in report.volume])], title=_("Volume over time"))
    backlog = bars([(_(BACKLOG_LABELS[key]), n) for key, n in report.backlog], title=_("Backlog by age"))
    by_channel = bars([(_(channel) if channel else "-", c.created)
                       for channel, c in report.by_channel.items()], title=_("Volume by channel"))
    return render(request, "reports/service.html", report=report, period=viewer.period,
                  teams=viewer.teams, periods=PERIODS, viewer=viewer, volume_chart=volume,
                  backlog_chart=backlog, channel_chart=by_channel, backlog_labels=BACKLOG_LABELS)


def table_csv(report: ServiceReport, table: str) -> str:
    if table == "channels":
        return csv_text(("channel", "created", "solved", "reopen_rate_percent", "sla_met_percent"), (
            (channel or "-", c.created, c.solved, percent(c.reopen_rate), percent(c.sla_rate))
            for channel, c in report.by_channel.items()))
    if table == "backlog":
        return csv_text(("age", "open_tickets"), report.backlog)
    if table == "volume":
        return csv_text(("start", "created", "solved"),
                        ((p.start.isoformat(), p.created, p.solved) for p in report.volume))
    return csv_text(("agent", "solved", "first_response_median_hours", "resolution_median_hours",
                     "answers", "csat_percent"), (
        (r.name or "-", r.counts.solved, _hours(r.first_response.median), _hours(r.resolution.median),
         r.counts.answers, percent(r.counts.csat)) for r in report.agents))


async def export(request: Request) -> Response:
    """``/reports/service/{channels,agents,backlog,volume}.csv`` with the page's filters;
    recorded in the audit log."""
    table = request.path_params["table"]
    if table not in TABLES:
        raise HTTPException(404, _("Not found."))
    viewer, report = _report(request)
    period = viewer.period
    span = f"{period.days}d" if period.days else f"{period.start}_{period.end}"
    text = table_csv(report, table)
    with db_of(request).session() as session:
        record_report_export(session, Actor.of_user(viewer.user), f"service/{table}",
                             dict(parse_qsl(period.query())))
    return csv_response(f"service-{table}-{span}.csv", text)


routes = [
    Route("/reports/service", page, methods=["GET"]),
    Route("/reports/service/{table}.csv", export, methods=["GET"]),
]
