"""The customer page (identities, organisation, tier, owner, tags, custom fields, notes and the
timeline of tickets, notes and changes), its edit and create forms, and adding a note.

Every active staff member reads and edits customers; every write goes through
desk.actions.customers.records, which owns the validation."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.customers.editing import save_customer_changes, save_new_customer, save_note
from desk.actions.customers.records import IDENTITY_LISTS, LOCALES, CustomerError
from desk.i18n import _
from desk.models import Customer, CustomerField, Source, Tier, User
from desk.queries.customers.fields import field_definitions
from desk.queries.customers.merges import get_live_survivor_id
from desk.queries.customers.profile import (
    access_customer_profile,
    get_form_choices,
    identities_of,
    tags_of,
)
from desk.queries.customers.records import access_customer, may_manage_customers
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

# Enough for a select; past it the page offers the first ones by name (and the current one).
ORG_CHOICES = 1_000
NOTES_SHOWN = 50
# Merges can chain (A into B, B into C); a loop would be a bug, not a reason to hang.
MAX_MERGE_HOPS = 20
LOCALE_LABELS = {"en": "English", "zh-CN": "简体中文"}
SOURCE = {"email": _("Email"), "web": _("Web"), "api": _("API"), "import": _("Import")}
# How the timeline words a record's audit rows (actions other pages add show as stored).
RECORD_ACTION = {"created": _("created the record"), "updated": _("changed the record"),
                 "merged": _("merged a record into this one"), "merged_into": _("merged this record away"),
                 "merge_undone": _("undid a merge"), "reviewed": _("reviewed the record"),
                 "anonymised": _("anonymised the record"),
                 "privacy_export": _("exported the record's data")}
RECORD_FIELD = {"name": _("Name"), "email": _("Email"), "emails": _("Email addresses"),
                "phones": _("Phone numbers"), "web_ids": _("Web ids"), "api_ids": _("API ids"),
                "organization_id": _("Organisation"), "tier": _("Tier"), "owner_id": _("Owner"),
                "tags": _("Tags"), "fields": _("Fields"), "locale": _("Language"),
                "merge_id": _("Merge"), "merged_id": _("Merged record"),
                "merged_into_id": _("Merged into"), "tickets": _("Tickets moved"),
                "messages": _("Messages moved"), "identities": _("Identities moved"),
                "notes": _("Notes moved"), "reviewed_at": _("Reviewed")}
# The form's plain inputs, as the change keys update_customer takes.
_TEXT_INPUTS = ("name", "organization_id", "tier", "owner_id", "tags", "locale")


def _customer_page(request: Request, user: User, customer_id: int, status_code: int = 200,
                   note_error: CustomerError | None = None, note_text: str = "") -> Response:
    with db_of(request).session() as session:
        profile = access_customer_profile(session, user, customer_id, NOTES_SHOWN)
    return render(request, "customers/customer.html", status_code=status_code,
                  may_manage=may_manage_customers(user), locale_labels=LOCALE_LABELS,
                  source_labels=SOURCE, record_action_labels=RECORD_ACTION,
                  record_field_labels=RECORD_FIELD, note_error=note_error, note_text=note_text,
                  customer=profile.customer, org=profile.org, identities=profile.identities,
                  tags=profile.tags, fields=profile.fields, notes=profile.notes,
                  timeline=profile.timeline, names=profile.names)


async def show(request: Request) -> Response:
    user = staff(request)
    customer_id: int = request.path_params["customer_id"]
    with db_of(request).session() as session:
        survivor = get_live_survivor_id(session, customer_id, MAX_MERGE_HOPS)
    if survivor is not None:
        return RedirectResponse(f"/agent/customers/{survivor}", status_code=302)
    return _customer_page(request, user, customer_id)


async def add_customer_note(request: Request) -> Response:
    user = staff(request)
    customer_id: int = request.path_params["customer_id"]
    form = await request.form()
    check_csrf(request, form)
    body = str(form.get("body", ""))[:20_000]
    with db_of(request).session() as session:
        customer = access_customer(session, user, customer_id)
        try:
            save_note(session, Actor.of_user(user), customer, body)
        except CustomerError as exc:
            return _customer_page(request, user, customer_id, 400, exc, body)
    return RedirectResponse(f"/agent/customers/{customer_id}#notes", status_code=303)


# -- the edit and create forms ------------------------------------------------------------------

def _values_of(session: Session, customer: Customer) -> dict[str, str]:
    assert customer.id is not None
    values = {name: "\n".join(items) for name, items in identities_of(session, customer.id).items()}
    values.update(name=customer.name, organization_id=str(customer.organization_id or ""),
                  tier=customer.tier, owner_id=str(customer.owner_id or ""),
                  tags=", ".join(tags_of(session, customer.id)), locale=customer.locale)
    for key, value in customer.fields.items():
        values[f"fields.{key}"] = _shown(value)
    return values


def _shown(value: Any) -> str:
    """A stored custom field value as the form shows it."""
    return "" if value is None else str(value)


def _read_form(form: FormData, definitions: list[CustomerField]) -> tuple[dict[str, str], dict[str, Any]]:
    """The values to show back as typed, and the changes to apply."""
    values = {name: str(form.get(name, "")).strip() for name in (*_TEXT_INPUTS, *IDENTITY_LISTS)}
    changes: dict[str, Any] = {name: values[name] for name in _TEXT_INPUTS}
    for name in IDENTITY_LISTS:
        changes[name] = [line.strip() for line in values[name].splitlines() if line.strip()]
    changes["fields"] = {}
    for definition in definitions:
        typed = str(form.get(f"fields.{definition.key}", "")).strip()
        values[f"fields.{definition.key}"] = typed
        changes["fields"][definition.key] = typed
    return values, changes


def _form_page(request: Request, session: Session, customer: Customer | None,
               values: dict[str, str], error: CustomerError | None = None,
               status_code: int = 200) -> Response:
    current = values.get("organization_id", "")
    chosen = int(current) if current.isascii() and current.isdigit() and len(current) <= 10 else None
    choices = get_form_choices(session, ORG_CHOICES, chosen)
    return render(request, "customers/customer_form.html", status_code=status_code, customer=customer,
                  values=values, error=error, orgs=choices.organizations, agents=choices.agents,
                  definitions=choices.definitions, tiers=[t.value for t in Tier],
                  locales=LOCALES, locale_labels=LOCALE_LABELS)


async def edit_form(request: Request) -> Response:
    user = staff(request)
    customer_id: int = request.path_params["customer_id"]
    with db_of(request).session() as session:
        survivor = get_live_survivor_id(session, customer_id, MAX_MERGE_HOPS)
        if survivor is not None:
            return RedirectResponse(f"/agent/customers/{survivor}/edit", status_code=302)
        customer = access_customer(session, user, customer_id)
        return _form_page(request, session, customer, _values_of(session, customer))


async def save(request: Request) -> Response:
    user = staff(request)
    customer_id: int = request.path_params["customer_id"]
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        customer = access_customer(session, user, customer_id)
        values, changes = _read_form(form, field_definitions(session))
        # Only the custom fields the agent changed: a value an admin's later change of choices
        # made invalid must not block saving the rest of the record.
        changes["fields"] = {k: v for k, v in changes["fields"].items()
                             if v != _shown(customer.fields.get(k))}
        try:
            save_customer_changes(session, Actor.of_user(user), customer, changes)
        except CustomerError as exc:
            return _form_page(request, session, access_customer(session, user, customer_id), values,
                              exc, 400)
    return RedirectResponse(f"/agent/customers/{customer_id}", status_code=303)


async def new_form(request: Request) -> Response:
    staff(request)
    with db_of(request).session() as session:
        return _form_page(request, session, None, {"tier": Tier.standard, "locale": "en"})


async def create(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    with db_of(request).session() as session:
        values, changes = _read_form(form, field_definitions(session))
        # A new record has nothing to remove: empty custom fields are simply not set.
        changes["fields"] = {k: v for k, v in changes["fields"].items() if v}
        try:
            # Typed in by staff through the web app.
            customer = save_new_customer(session, Actor.of_user(user), changes, Source.web)
        except CustomerError as exc:
            return _form_page(request, session, None, values, exc, 400)
        customer_id = customer.id
    return RedirectResponse(f"/agent/customers/{customer_id}", status_code=303)


routes = [
    Route("/agent/customers/new", new_form, methods=["GET"]),
    Route("/agent/customers/new", create, methods=["POST"]),
    Route("/agent/customers/{customer_id:id}", show, methods=["GET"]),
    Route("/agent/customers/{customer_id:id}/edit", edit_form, methods=["GET"]),
    Route("/agent/customers/{customer_id:id}/edit", save, methods=["POST"]),
    Route("/agent/customers/{customer_id:id}/notes", add_customer_note, methods=["POST"]),
]
