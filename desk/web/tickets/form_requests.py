"""The admin's page of web-form requests the intake could not open as tickets: retry them
once the cause is fixed, or discard them (what the customer sent is then deleted)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.ingest.submissions import NotFailed, discard_failed, retry_failed
from desk.i18n import _
from desk.models import Role, SubmissionStatus
from desk.queries.tickets.requests import failed_requests
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render


def _page(request: Request, status_code: int = 200, **extra: object) -> Response:
    with db_of(request).session() as session:
        items = failed_requests(session)
    return render(request, "admin/form_requests.html", status_code=status_code, items=items,
                  **extra)


async def index(request: Request) -> Response:
    staff(request, Role.admin)
    opened = request.query_params.get("opened", "")
    return _page(request, opened=opened if opened.isascii() and opened.isdigit() else "")


async def retry(request: Request) -> Response:
    admin = staff(request, Role.admin)
    check_csrf(request, await request.form())
    with db_of(request).session() as session:
        try:
            row = retry_failed(session, request.app.state.settings, Actor.of_user(admin),
                               request.path_params["submission_id"])
        except NotFailed as exc:
            raise HTTPException(404, _("There is no such failed request.")) from exc
    if row.status == SubmissionStatus.done:
        return RedirectResponse(f"/admin/form-requests?opened={row.ticket_id or ''}", status_code=303)
    return _page(request, 409, failed_again=row.id, error=row.error)


async def discard(request: Request) -> Response:
    admin = staff(request, Role.admin)
    check_csrf(request, await request.form())
    with db_of(request).session() as session:
        try:
            discard_failed(session, Actor.of_user(admin), request.path_params["submission_id"])
        except NotFailed as exc:
            raise HTTPException(404, _("There is no such failed request.")) from exc
    return RedirectResponse("/admin/form-requests", status_code=303)


routes = [
    Route("/admin/form-requests", index, methods=["GET"]),
    Route("/admin/form-requests/{submission_id:id}/retry", retry, methods=["POST"]),
    Route("/admin/form-requests/{submission_id:id}/discard", discard, methods=["POST"]),
]
