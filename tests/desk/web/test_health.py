"""GET /healthz tells a load balancer whether the database and jobs work."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_healthz_reports_database_and_job_runner(app_factory) -> None:  # type: ignore[no-untyped-def]
    app = app_factory()
    from desk.jobs.inprocess import InProcessRunner

    with TestClient(app) as client:
        stopped = client.get("/healthz")
        assert stopped.status_code == 503
        assert stopped.json()["database"]["ok"] is True
        assert stopped.json()["jobs"]["ok"] is False
        runner = InProcessRunner(app.state.db)
        client.portal.call(runner.start)  # type: ignore[union-attr]
        app.state.jobs = runner
        ok = client.get("/healthz")
        assert ok.status_code == 200
        assert ok.json()["jobs"]["runner"] == "in-process"
        assert ok.headers["x-request-id"]
        client.portal.call(runner.stop)  # type: ignore[union-attr]


def test_healthz_fails_when_the_database_is_gone(app_factory, db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine

    from desk.db import Database

    broken = Database(db.settings, engine=create_engine("sqlite:////nonexistent/dir/x.db"))
    app = app_factory()
    app.state.db = broken
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False
