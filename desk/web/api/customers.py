"""Customers and organisations over the API: search, one record, creating, changing, merging.

Any active staff token reads and writes (every staff role is at least an agent). Errors follow
the rest of the API (422 with a reason per field), plus two answers a caller can act on: 409
with ``customer_id`` when an email, phone or id belongs to another customer, and 404 with
``merged_into`` (the live survivor) for a record merged away, so an old id can be followed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.customers.editing import (
    save_customer_changes,
    save_merge,
    save_merge_undo,
    save_new_customer,
)
from desk.actions.customers.records import EDITABLE, IDENTITY_LISTS, MAX_TAG_LENGTH, CustomerError
from desk.i18n import record_locale
from desk.models import Customer, Organization, Source, Tier, User
from desk.queries.customers.merges import get_merge, get_survivor
from desk.queries.customers.organizations import get_organizations
from desk.queries.customers.profile import get_customer_details
from desk.queries.customers.records import (
    CustomerFilter,
    CustomerPage,
    access_customer,
    get_customer,
    list_customers,
    tags_by_customer,
)
from desk.web.api.inputs import MAX_ID, invalid, json_object, page_numbers, read_body, whole_number
from desk.web.api.schemas import iso
from desk.web.api.tokens import authenticated, bearer_token
from desk.web.errors import ApiError

JSON = dict[str, Any]
LIST_PARAMS = ("q", "tier", "source", "tag", "organization_id", "owner_id", "sort", "page",
               "per_page")
SORTS = ("relevance", "name", "newest", "oldest", "updated")
TIERS = tuple(t.value for t in Tier)
SOURCES = tuple(s.value for s in Source)
MAX_QUERY = 200
# Relevance paging walks every earlier page's search keys: deep pages are refused, not slow.
MAX_CUSTOMER_PAGE = 1000
STRINGS = ("name", "tier", "locale")
LISTS = (*IDENTITY_LISTS, "tags")
IDS = ("organization_id", "owner_id")


# -- what callers send --------------------------------------------------------------------------------

def customer_filter(params: Mapping[str, str]) -> CustomerFilter:
    """The filter of GET /customers; unknown or unusable parameters are 422."""
    errors = {name: "unknown_parameter" for name in params if name not in LIST_PARAMS}
    if len(params.get("q", "")) > MAX_QUERY:
        errors["q"] = "too_long"
    if len(params.get("tag", "")) > MAX_TAG_LENGTH:
        errors["tag"] = "too_long"
    elif "\x00" in params.get("tag", ""):
        errors["tag"] = "invalid_characters"
    for name, choices in (("tier", TIERS), ("source", SOURCES), ("sort", SORTS)):
        if params.get(name) and params[name] not in choices:
            errors[name] = "invalid_choice"
    ids: dict[str, int | None] = {}
    for name in IDS:
        ids[name] = whole_number(params[name], MAX_ID) if name in params else None
        if name in params and ids[name] is None:
            errors[name] = "invalid_id"
    page, per_page = page_numbers(params, errors, MAX_CUSTOMER_PAGE)
    if errors:
        raise invalid(errors, "invalid query parameters")
    return CustomerFilter(q=params.get("q", "").strip(), tier=params.get("tier") or None,
                          source=params.get("source") or None, tag=params.get("tag") or None,
                          sort=params.get("sort", ""), page=page, page_size=per_page, **ids)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def customer_values(body: JSON, creating: bool) -> JSON:
    """The changes of a POST or PATCH body with their types checked (codes per field); the
    action checks the values. POST takes ``email`` as a shorthand for ``emails: [email]``."""
    allowed = {*EDITABLE, "email"} if creating else set(EDITABLE)
    errors = {key: "unknown_field" for key in body.keys() - allowed}
    for key in STRINGS:
        if key in body and not isinstance(body[key], str):
            errors[key] = "not_a_string"
    for key in LISTS:
        value = body.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors[key] = "not_a_list_of_strings"
    for key in IDS:
        if body.get(key) is not None and not _is_id(body[key]):
            errors[key] = "invalid_id"
    if not isinstance(body.get("fields", {}), dict):
        errors["fields"] = "not_an_object"
    values = {k: v for k, v in body.items() if k != "email"}
    if creating:
        if "email" in body and "emails" in body:
            errors["email"] = "give_email_or_emails"
        elif "email" in body:
            values["emails"] = [body["email"]]
            if not isinstance(body["email"], str):
                errors["email"] = "not_a_string"
        elif not body.get("emails"):
            errors["emails"] = "required"
        if body.get("name") is None:
            errors["name"] = "required"
    if errors:
        raise invalid(errors)
    return values


def _other_id(body: JSON) -> int:
    errors = {key: "unknown_field" for key in body.keys() - {"other_id"}}
    if body.get("other_id") is None:
        errors["other_id"] = "required"
    elif not _is_id(body["other_id"]):
        errors["other_id"] = "invalid_id"
    if errors:
        raise invalid(errors)
    return int(body["other_id"])


# -- what the API answers ------------------------------------------------------------------------------

def _ref(row: Organization | None) -> JSON | None:
    return None if row is None else {"id": row.id, "name": row.name}


def customer_json(session: Session, user: User, customer: Customer) -> JSON:
    details = get_customer_details(session, user, customer)
    owner = details.owner
    return {
        "id": customer.id, "name": customer.name, "email": customer.email, **details.identities,
        "organization": _ref(details.org), "tier": customer.tier, "source": customer.source,
        "locale": record_locale(customer.locale),
        "owner": None if owner is None else {"id": owner.id, "name": owner.name, "email": owner.email},
        "tags": details.tags, "fields": dict(customer.fields), "reviewed_at": iso(customer.reviewed_at),
        "created_at": iso(customer.created_at), "updated_at": iso(customer.updated_at),
        "ticket_count": details.tickets, "open_ticket_count": details.open_tickets,
    }


def customer_page_json(session: Session, page: CustomerPage) -> JSON:
    """A page of summaries: one query per table, whatever the page size."""
    orgs = get_organizations(session, {c.organization_id for c in page.customers if c.organization_id})
    tags = tags_by_customer(session, [c.id for c in page.customers if c.id is not None])
    return {"customers": [{
        "id": c.id, "name": c.name, "email": c.email,
        "organization": _ref(orgs.get(c.organization_id)) if c.organization_id else None,
        "tier": c.tier, "source": c.source, "owner_id": c.owner_id, "tags": tags.get(c.id or 0, []),
        "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
    } for c in page.customers], "page": page.page, "per_page": page.filters.page_size,
        "has_next": page.has_next}


def _merged(session: Session, customer: Customer) -> Response:
    """404 naming the live record ``customer`` was merged into (following later merges)."""
    survivor = get_survivor(session, customer)
    return JSONResponse({"error": "this customer was merged into another one",
                         "merged_into": survivor.id}, status_code=404)


def _refused(exc: CustomerError, status: int = 422, **extra: int | None) -> Response:
    """The action's reason, in English like every API reason; 409 when an identity is taken."""
    if exc.field in IDENTITY_LISTS and "id" in exc.params:
        status, extra = 409, {"customer_id": int(exc.params["id"])}
    reason = "the customer was not saved" if status == 422 else "conflict with another customer"
    known = {k: v for k, v in extra.items() if v is not None}
    return JSONResponse({"error": reason, "fields": {exc.field: str(exc)}, **known},
                        status_code=status)


# -- endpoints -------------------------------------------------------------------------------------------

def _found(session: Session, customer_id: int) -> Customer:
    customer = get_customer(session, customer_id) if customer_id <= MAX_ID else None
    if customer is None:
        raise ApiError(404, "no such customer")
    return customer


async def _body(request: Request) -> bytes:
    """The body of a write, read only once the caller has shown a token at all."""
    bearer_token(request)
    return await read_body(request)


class CustomerCollection(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, _user):
            page = list_customers(session, customer_filter(request.query_params))
            return JSONResponse(customer_page_json(session, page))

    async def post(self, request: Request) -> Response:
        return await run_in_threadpool(self.create, request, await _body(request))

    def create(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            values = customer_values(json_object(raw), creating=True)
            try:
                customer = save_new_customer(session, Actor.of_user(user, via_api=True), values,
                                             source=Source.api)
            except CustomerError as exc:
                return _refused(exc)
            return JSONResponse(customer_json(session, user, customer), status_code=201,
                                headers={"Location": str(request.url_for(
                                    "api:customer", customer_id=customer.id))})


class CustomerResource(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            customer = _found(session, request.path_params["customer_id"])
            if customer.merged_into_id is not None:
                return _merged(session, customer)
            customer = access_customer(session, user, customer.id or 0)
            return JSONResponse(customer_json(session, user, customer))

    async def patch(self, request: Request) -> Response:
        return await run_in_threadpool(self.change, request, await _body(request))

    def change(self, request: Request, raw: bytes) -> Response:
        with authenticated(request) as (session, user):
            customer = _found(session, request.path_params["customer_id"])
            if customer.merged_into_id is not None:
                return _merged(session, customer)
            customer = access_customer(session, user, customer.id or 0)
            values = customer_values(json_object(raw), creating=False)
            try:
                save_customer_changes(session, Actor.of_user(user, via_api=True), customer, values)
            except CustomerError as exc:
                return _refused(exc)
            return JSONResponse(customer_json(session, user, customer))


class CustomerMergeEndpoint(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        return await run_in_threadpool(self.merge, request, await _body(request))

    def merge(self, request: Request, raw: bytes) -> Response:
        """Merges the body's ``other_id`` into the path's record, which survives."""
        with authenticated(request) as (session, user):
            survivor = _found(session, request.path_params["customer_id"])
            if survivor.merged_into_id is not None:
                return _merged(session, survivor)
            other = get_customer(session, _other_id(json_object(raw)))
            if other is None:
                raise invalid({"other_id": "not_found"}, "no such customer to merge")
            # Itself is a mistake in the request (422); a record that cannot merge is a state (409).
            status, merged_into = 422 if other.id == survivor.id else 409, other.merged_into_id
            try:
                merge = save_merge(session, Actor.of_user(user, via_api=True), survivor, other)
            except CustomerError as exc:
                return _refused(exc, status, merged_into=merged_into)
            return JSONResponse({"customer": customer_json(session, user, survivor),
                                 "merge_id": merge.id})


class CustomerMergeUndo(HTTPEndpoint):
    async def post(self, request: Request) -> Response:
        bearer_token(request)
        return await run_in_threadpool(self.undo, request)

    def undo(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            merge_id: int = request.path_params["merge_id"]
            merge = get_merge(session, merge_id) if merge_id <= MAX_ID else None
            if merge is None:
                raise ApiError(404, "no such merge")
            try:
                save_merge_undo(session, Actor.of_user(user, via_api=True), merge)
            except CustomerError as exc:
                return _refused(exc, 409)
            survivor, restored = (_found(session, i) for i in (merge.survivor_id, merge.merged_id))
            return JSONResponse({"customer": customer_json(session, user, survivor),
                                 "restored": customer_json(session, user, restored)})


routes = [
    Route("/customers", CustomerCollection, name="api:customers"),
    Route("/customers/{customer_id:int}", CustomerResource, name="api:customer"),
    Route("/customers/{customer_id:int}/merge", CustomerMergeEndpoint, name="api:customer_merge"),
    Route("/customers/merges/{merge_id:int}/undo", CustomerMergeUndo,
          name="api:customer_merge_undo"),
]
