"""The admin's quarantine page: mail that could not be read, to download, retry or discard."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.mail.quarantine import (
    NotQuarantined,
    QuarantineError,
    discard_quarantined,
    retry_quarantined,
)
from desk.i18n import _
from desk.models import RawMessage, RawStatus, Role
from desk.queries.mail.quarantine import (
    list_quarantined,
    quarantine_mailboxes,
    quarantine_outcome,
    quarantined_eml,
)
from desk.settings import Settings
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

PER_PAGE = 50


def eml_response(eml: tuple[int, bytes]) -> Response:
    """The raw mail byte for byte, always as a download: it may hold anything at all."""
    raw_id, data = eml
    return Response(data, media_type="message/rfc822", headers={
        "Content-Disposition": f'attachment; filename="quarantine-{raw_id}.eml"'})


def _cursor(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _outcome(row: RawMessage | None) -> dict[str, object] | None:
    """What the last retry of `row` came to, for the notice at the top of the page."""
    if row is None or row.status == RawStatus.discarded:
        return None
    return {"id": row.id, "status": row.status, "ticket_id": row.ticket_id, "error": row.error}


def _page(request: Request, status_code: int = 200, error: str = "") -> Response:
    params = request.query_params
    mailbox = params.get("mailbox", "")[:100]
    retried = _cursor(params.get("retried"))
    with db_of(request).session() as session:
        page = list_quarantined(session, mailbox, PER_PAGE, _cursor(params.get("cursor")))
        mailboxes = quarantine_mailboxes(session)
        outcome = _outcome(quarantine_outcome(session, retried)) if retried else None
    older = (f"?{urlencode({'mailbox': mailbox, 'cursor': page.next_cursor})}"
             if page.next_cursor else "")
    return render(request, "mail/quarantine.html", status_code=status_code, page=page,
                  mailboxes=mailboxes, mailbox=mailbox, older=older, outcome=outcome,
                  error=error, first_page="cursor" not in params)


async def index(request: Request) -> Response:
    staff(request, Role.admin)
    return _page(request)


async def download(request: Request) -> Response:
    staff(request, Role.admin)
    with db_of(request).session() as session:
        eml = quarantined_eml(session, request.path_params["raw_id"])
    if eml is None:
        raise HTTPException(404, _("There is no such mail in the quarantine."))
    return eml_response(eml)


def _back(request: Request, **extra: str) -> str:
    """The list the admin came from (mailbox filter kept), with `extra` parameters."""
    mailbox = str(request.query_params.get("mailbox", ""))[:100]
    query = {k: v for k, v in {"mailbox": mailbox, **extra}.items() if v}
    return "/admin/quarantine" + (f"?{urlencode(query)}" if query else "")


def _refused(request: Request, exc: QuarantineError) -> Response:
    if isinstance(exc, NotQuarantined):
        return _page(request, 409, _("That mail is no longer in the quarantine: it was retried "
                                     "or discarded meanwhile."))
    return _page(request, 404, _("There is no such mail in the quarantine."))


async def retry(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    raw_id: int = request.path_params["raw_id"]
    settings: Settings = request.app.state.settings
    with db_of(request).session() as session:
        try:
            retry_quarantined(session, settings, Actor.of_user(admin), raw_id)
        except QuarantineError as exc:
            return _refused(request, exc)
    return RedirectResponse(_back(request, retried=str(raw_id)), status_code=303)


async def discard(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        try:
            discard_quarantined(session, Actor.of_user(admin), request.path_params["raw_id"])
        except QuarantineError as exc:
            return _refused(request, exc)
    return RedirectResponse(_back(request), status_code=303)


routes = [
    Route("/admin/quarantine", index, methods=["GET"]),
    Route("/admin/quarantine/{raw_id:id}/raw", download, methods=["GET"]),
    Route("/admin/quarantine/{raw_id:id}/retry", retry, methods=["POST"]),
    Route("/admin/quarantine/{raw_id:id}/discard", discard, methods=["POST"]),
]
