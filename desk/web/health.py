"""GET /healthz: the database and the job runner, for load balancers and monitors."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from desk.models import JobStatus
from desk.queries.jobs import job_counts


async def healthz(request: Request) -> JSONResponse:
    state = request.app.state
    body: dict[str, Any] = {"status": "ok"}
    try:
        with state.db.session() as session:
            counts = job_counts(session, (JobStatus.queued, JobStatus.dead))
        body["database"] = {"ok": True, "backend": "sqlite" if state.settings.is_sqlite
                            else "postgresql"}
    except SQLAlchemyError as exc:
        counts = {}
        body["database"] = {"ok": False, "error": str(exc).splitlines()[0]}
    runner = state.jobs
    body["jobs"] = {
        "runner": runner.kind if runner else "none",
        "ok": bool(runner and runner.healthy),
        "error": runner.last_error if runner else "",
        "queued": counts.get(JobStatus.queued, 0),
        "dead": counts.get(JobStatus.dead, 0),
    }
    healthy = body["database"]["ok"] and body["jobs"]["ok"]
    body["status"] = "ok" if healthy else "failing"
    return JSONResponse(body, status_code=200 if healthy else 503)


routes = [Route("/healthz", healthz)]
