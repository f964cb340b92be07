"""Admin page for the custom fields of customer records: list, add, relabel, reorder, delete."""

from __future__ import annotations

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.customers.fields import FieldError
from desk.actions.customers.supervision import remove_field, save_field_changes, save_new_field
from desk.i18n import _
from desk.models import CustomerField, FieldKind, Role
from desk.queries.customers.fields import field_definitions, get_field
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

KIND = {"text": _("Text"), "number": _("Number"), "date": _("Date"), "choice": _("Choice")}


def _page(request: Request, values: dict[str, str] | None = None, error: FieldError | None = None,
          failed_id: int | None = None, status_code: int = 200) -> Response:
    with db_of(request).session() as session:
        definitions = field_definitions(session)
    return render(request, "customers/customer_fields.html", status_code=status_code,
                  definitions=definitions, kinds=[k.value for k in FieldKind], kind_labels=KIND,
                  values=values or {"kind": FieldKind.text}, error=error, failed_id=failed_id)


def _read(form: FormData) -> dict[str, str]:
    return {k: str(form.get(k, "")).strip()[:5_000] for k in ("key", "label", "kind", "choices",
                                                             "position")}


def _position(value: str) -> int:
    """A position typed in the form; 0 when it is not a whole number."""
    text = value.lstrip("-")
    return int(value) if text.isascii() and text.isdigit() and len(text) < 7 else 0


def _field_or_404(request: Request, session: Session) -> CustomerField:
    field = get_field(session, request.path_params["field_id"])
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
            save_new_field(session, Actor.of_user(admin), values["key"], values["label"],
                           values["kind"], values["choices"].splitlines(), _position(values["position"]))
        except FieldError as exc:
            return _page(request, values, exc, status_code=400)
    return RedirectResponse("/admin/customer-fields", status_code=303)


async def save(request: Request) -> Response:
    admin = staff(request, Role.admin)
    form = await request.form()
    check_csrf(request, form)
    values = _read(form)
    with db_of(request).session() as session:
        field = _field_or_404(request, session)
        try:
            save_field_changes(session, Actor.of_user(admin), field, values["label"],
                               values["choices"].splitlines(), _position(values["position"]))
        except FieldError as exc:
            return _page(request, {"kind": FieldKind.text}, exc, field.id, 400)
    return RedirectResponse("/admin/customer-fields", status_code=303)


async def remove(request: Request) -> Response:
    admin = staff(request, Role.admin)
    check_csrf(request, await request.form())
    with db_of(request).session() as session:
        remove_field(session, Actor.of_user(admin), _field_or_404(request, session))
    return RedirectResponse("/admin/customer-fields", status_code=303)


routes = [
    Route("/admin/customer-fields", index, methods=["GET"]),
    Route("/admin/customer-fields", add, methods=["POST"]),
    Route("/admin/customer-fields/{field_id:id}", save, methods=["POST"]),
    Route("/admin/customer-fields/{field_id:id}/delete", remove, methods=["POST"]),
]
