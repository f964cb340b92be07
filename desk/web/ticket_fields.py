"""Admin page for the custom fields of tickets: list, add, relabel, reorder, delete (the
customer fields' page, for tickets: text, number or choice)."""

from __future__ import annotations

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.customers.fields import FieldError
from desk.actions.tickets.fields import KINDS, add_ticket_field, delete_ticket_field, update_ticket_field
from desk.i18n import _
from desk.models import Role, TicketField
from desk.queries.tickets.fields import get_ticket_field, ticket_field_definitions
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

KIND = {"text": _("Text"), "number": _("Number"), "choice": _("Choice")}
PAGE = "/admin/ticket-fields"


def _page(request: Request, values: dict[str, str] | None = None, error: FieldError | None = None,
          failed_id: int | None = None, status_code: int = 200) -> Response:
    with db_of(request).session() as session:
        definitions = ticket_field_definitions(session)
    return render(request, "admin/ticket_fields.html", status_code=status_code,
                  definitions=definitions, kinds=KINDS, kind_labels=KIND,
                  values=values or {"kind": "text"}, error=error, failed_id=failed_id)


def _read(form: FormData) -> dict[str, str]:
    return {k: str(form.get(k, "")).strip()[:5_000] for k in ("key", "label", "kind", "choices",
                                                             "position")}


def _position(value: str) -> int:
    """A position typed in the form; 0 when it is not a whole number."""
    text = value.lstrip("-")
    return int(value) if text.isascii() and text.isdigit() and len(text) < 7 else 0


def _field_or_404(request: Request, session: Session) -> TicketField:
    field = get_ticket_field(session, request.path_params["field_id"])
    if field is None:
        raise HTTPException(404, _("There is no such field."))
    return field


async def index(request: Request) -> Response:
    staff(request, Role.admin)
    return _page(request)


async def add(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    values = _read(form)
    with db_of(request).session() as session:
        try:
            add_ticket_field(session, Actor.of_user(admin), values["key"], values["label"],
                             values["kind"], values["choices"].splitlines(), _position(values["position"]))
        except FieldError as exc:
            return _page(request, values, exc, status_code=400)
    return RedirectResponse(PAGE, status_code=303)


async def save(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    values = _read(form)
    with db_of(request).session() as session:
        field = _field_or_404(request, session)
        try:
            update_ticket_field(session, Actor.of_user(admin), field, values["label"],
                                values["choices"].splitlines(), _position(values["position"]))
        except FieldError as exc:
            return _page(request, {"kind": "text"}, exc, field.id, 400)
    return RedirectResponse(PAGE, status_code=303)


async def remove(request: Request) -> Response:
    admin = staff(request, Role.admin)
    check_csrf(request, await request.form())
    with db_of(request).session() as session:
        delete_ticket_field(session, Actor.of_user(admin), _field_or_404(request, session))
    return RedirectResponse(PAGE, status_code=303)


routes = [
    Route(PAGE, index, methods=["GET"]),
    Route(PAGE, add, methods=["POST"]),
    Route(PAGE + "/{field_id:id}", save, methods=["POST"]),
    Route(PAGE + "/{field_id:id}/delete", remove, methods=["POST"]),
]
