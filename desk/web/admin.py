"""The admin page: links to each admin area (staff in desk/web/staff.py), and background
jobs that gave up."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.jobs.runner import retry_job
from desk.models import Role
from desk.queries.jobs import dead_jobs, job_counts
from desk.queries.mail.quarantine import count_quarantined
from desk.queries.tickets.requests import count_failed_requests
from desk.queries.users import list_users
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render


def _page(request: Request) -> Response:
    with db_of(request).session() as session:
        users = list_users(session)
        dead = dead_jobs(session)
        counts = job_counts(session)
        quarantined = count_quarantined(session)
        failed_forms = count_failed_requests(session)
    return render(request, "admin/index.html", users=users, dead=dead, job_counts=counts,
                  quarantined=quarantined, failed_forms=failed_forms)


async def index(request: Request) -> Response:
    staff(request, Role.admin)
    return _page(request)


async def retry(request: Request) -> Response:
    staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    retry_job(db_of(request), request.path_params["job_id"])
    return RedirectResponse("/admin/#jobs", status_code=303)


routes = [
    Route("/admin/", index),
    Route("/admin", lambda request: RedirectResponse("/admin/", status_code=307)),
    Route("/admin/jobs/{job_id:id}/retry", retry, methods=["POST"]),
]
