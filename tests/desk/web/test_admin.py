"""The admin page: staff accounts and jobs that gave up."""

from __future__ import annotations

from starlette.testclient import TestClient

from desk.actions.jobs import enqueue
from desk.db import Database, commit
from desk.jobs.functions import JOBS, JobContext
from desk.jobs.runner import execute_job
from desk.models import Job
from tests.conftest import csrf_of, sign_in


def _explode(ctx: JobContext, **args: object) -> None:
    raise ConnectionRefusedError("smtp.example.com:25 refused the connection")


def test_admin_sees_a_dead_job_with_its_error_and_retries_it(
    client: TestClient, db: Database, make_user  # type: ignore[no-untyped-def]
) -> None:
    with db.session() as s:
        job_id = enqueue(s, "send_test", max_attempts=1, ticket_id=7)
        commit(s)
    execute_job(db, job_id, {**JOBS, "send_test": _explode})
    sign_in(client, make_user("admin"))
    page = client.get("/admin/")
    assert page.status_code == 200
    assert f'data-job="{job_id}"' in page.text
    assert "smtp.example.com:25 refused the connection" in page.text
    token = csrf_of(client, "/admin/")
    assert client.post(f"/admin/jobs/{job_id}/retry", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    with db.session() as s:
        job = s.get(Job, job_id)
        assert job is not None and job.status == "queued" and job.attempts == 0


def test_the_admin_page_links_to_staff_teams_and_the_audit_log(
    client: TestClient, make_user  # type: ignore[no-untyped-def]
) -> None:
    sign_in(client, make_user("admin"))
    page = client.get("/admin/").text
    for path in ("/admin/staff", "/admin/teams", "/admin/audit"):
        assert f'href="{path}"' in page
