"""The service report as JSON (`GET /api/v1/reports/service`)."""

from __future__ import annotations

from typing import Any

from desk.queries.reports.service import Counts, ServiceGroup, ServiceReport
from desk.queries.reports.times import TimeFigures
from desk.web.api.schemas import iso

JSON = dict[str, Any]


def _times(t: TimeFigures) -> JSON:
    return {"count": t.count, "median_seconds": t.median, "p90_seconds": t.p90}


def _counts(c: Counts) -> JSON:
    return {"created": c.created, "solved": c.solved, "reopen_rate": c.reopen_rate,
            "repeat_contact_rate": c.repeat_rate, "sla_met": c.sla_rate, "answers": c.answers,
            "csat": c.csat}


def service_json(report: ServiceReport) -> JSON:
    f = report.filters
    return {
        "from": iso(f.since), "to": iso(f.until), "team": f.team_id,
        "rolled_up_at": iso(report.rolled_up_at) if report.rolled_up_at else None,
        **_counts(report.overall),
        "first_response": _times(report.first_response),
        "resolution": _times(report.resolution),
        "by_channel": [{"channel": channel, **_counts(c)} for channel, c in report.by_channel.items()],
        "backlog": [{"age": key, "open_tickets": n} for key, n in report.backlog],
        "by_agent": [{"agent": r.agent_id, "name": r.name, **_counts(r.counts),
                      "first_response": _times(r.first_response), "resolution": _times(r.resolution)}
                     for r in report.agents],
    }


def service_group_json(group: ServiceGroup) -> JSON:
    return {"key": group.key, "label": group.label, **_counts(group.counts)}
