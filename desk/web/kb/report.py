"""The knowledge-base report for supervisors: per article views, votes and what the suggestions
beside the request form achieved (shown, opened, then abandoned or submitted)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from desk.models import Role
from desk.queries.kb.articles import ArticleStats, kb_report
from desk.web.auth import db_of, staff
from desk.web.templating import render

COLUMNS = ("title", "views", "helpful_yes", "helpful_no", "suggested", "opened", "abandoned",
           "submitted", "rate")


def deflection_rate(opened: int, abandoned: int) -> float | None:
    """Share of opened suggestions after which the customer left without writing (None: no data)."""
    return abandoned / opened if opened else None


@dataclass(frozen=True)
class Totals:
    views: int
    helpful_yes: int
    helpful_no: int
    suggested: int
    opened: int
    abandoned: int
    submitted: int

    @property
    def rate(self) -> float | None:
        return deflection_rate(self.opened, self.abandoned)


def totals(rows: list[ArticleStats]) -> Totals:
    return Totals(*(sum(getattr(r, name) for r in rows) for name in
                    ("views", "helpful_yes", "helpful_no", "suggested", "opened", "abandoned",
                     "submitted")))


def _sort_key(column: str) -> Callable[[ArticleStats], Any]:
    if column == "title":
        return lambda r: r.title.lower()
    if column == "rate":
        return lambda r: (deflection_rate(r.opened, r.abandoned) or -1.0, r.opened)
    return lambda r: getattr(r, column)


def sorted_rows(rows: list[ArticleStats], column: str, descending: bool) -> list[ArticleStats]:
    return sorted(rows, key=_sort_key(column), reverse=descending)


async def report(request: Request) -> Response:
    """``/agent/kb/report?sort=COLUMN&dir=asc|desc`` (supervisors and admins)."""
    staff(request, Role.supervisor)
    column = request.query_params.get("sort", "views")
    if column not in COLUMNS:
        column = "views"
    descending = request.query_params.get("dir", "asc" if column == "title" else "desc") != "asc"
    with db_of(request).session() as session:
        rows = kb_report(session)
    return render(request, "kb/report.html", rows=sorted_rows(rows, column, descending),
                  totals=totals(rows), sort=column, descending=descending, columns=COLUMNS,
                  rate=deflection_rate)


routes = [Route("/agent/kb/report", report, methods=["GET"])]
