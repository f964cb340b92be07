"""The customer list: search, filters, sorting, paging, batch edits and the CSV export.

The export's header row is machine-friendly English (id, name, emails, phones, organization,
tier, source, owner, tags, the custom fields' keys, created_at, updated_at), never translated:
they are the importer's column names too, so an export can be edited and imported back, and a
spreadsheet formula does not break when the exporting agent's language changes.

Export is for supervisors and admins only: it is personal data leaving the desk in bulk.
Agents may list, search and batch-edit (every change stays in each record's history)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from desk.actions.audit import Actor
from desk.actions.customers.batch import BatchChanges, batch_update
from desk.actions.customers.editing import record_export
from desk.actions.customers.records import CustomerError
from desk.db import Database
from desk.i18n import _
from desk.models import Role, Source, Tier
from desk.queries.customers.listing import get_customer_list
from desk.queries.customers.records import (
    SORTS,
    CustomerFilter,
    export_chunks,
    field_keys,
    list_matching_ids,
)
from desk.web.auth import check_csrf, db_of, staff
from desk.web.templating import render

FILTER_KEYS = ("q", "tier", "source", "tag", "organization_id", "owner_id", "sort")
ORGANIZATIONS_SHOWN = 500
COUNT_CAP = 10_000
EXPORT_COLUMNS = ("id", "name", "emails", "phones", "organization", "tier", "source", "owner", "tags")
# A cell a spreadsheet would run as a formula; a phone number like +86 138... stays as it is.
_FORMULA = re.compile(r"^[=@\t\r]|^[+-](?![\d ]+$)")


def filter_from_params(params: Mapping[str, str]) -> CustomerFilter:
    """A CustomerFilter from query parameters; unusable values are ignored, not errors."""
    tiers = {t.value for t in Tier}
    sources = {s.value for s in Source}
    sort = params.get("sort") or ""
    return CustomerFilter(
        q=(params.get("q") or "")[:200],
        tier=params.get("tier") if params.get("tier") in tiers else None,
        source=params.get("source") if params.get("source") in sources else None,
        tag=(params.get("tag") or "").strip()[:50] or None,
        organization_id=_number(params.get("organization_id")),
        owner_id=_number(params.get("owner_id")),
        sort=sort if sort in SORTS else "",
        page=min(_number(params.get("page")) or 1, 100_000),
    )


def _number(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _filter_query(params: Mapping[str, str]) -> dict[str, str]:
    return {k: params[k] for k in FILTER_KEYS if params.get(k)}


def _list_page(request: Request, params: Mapping[str, str], status_code: int = 200,
               error: CustomerError | None = None, batch: Mapping[str, str] | None = None,
               selected: frozenset[int] = frozenset()) -> Response:
    user = request.scope["desk.user"]
    f = filter_from_params(params)
    with db_of(request).session() as session:
        found = get_customer_list(session, f, COUNT_CAP, ORGANIZATIONS_SHOWN)
    page = found.page
    kept = _filter_query(params)

    def page_url(number: int) -> str:
        return "/agent/customers?" + urlencode({**kept, "page": number})

    return render(
        request, "customers/customers.html", status_code=status_code, page=page, f=f,
        total=found.total, count_cap=COUNT_CAP, organizations=found.organizations,
        owners=found.owners, owner_names={u.id: u.name for u in found.owners},
        org_names=found.org_names, tags=found.tags,
        tiers=[t.value for t in Tier], sources=[s.value for s in Source],
        sort_names=_sort_names(), filter_query=urlencode(kept), error=error, batch=batch or {},
        selected=selected, updated=_number(params.get("updated")),
        may_export=user.role in (Role.supervisor, Role.admin),
        prev_url=page_url(page.page - 1) if page.page > 1 else None,
        next_url=page_url(page.page + 1) if page.has_next else None,
    )


def _sort_names() -> dict[str, str]:
    return {"": _("Relevance"), "name": _("Name"), "newest": _("Newest first"),
            "oldest": _("Oldest first"), "updated": _("Last updated")}


async def index(request: Request) -> Response:
    staff(request)
    return _list_page(request, request.query_params)


def _changes_of(form: FormData) -> BatchChanges:
    """The batch form: empty fields leave an attribute alone; "none" clears organisation or
    owner. A value that is not a number becomes -1, which check_batch refuses by name."""
    org = str(form.get("set_organization", "")).strip()
    owner = str(form.get("set_owner", "")).strip()

    def tags(name: str) -> tuple[str, ...]:
        return tuple(str(form.get(name, "")).split(","))

    return BatchChanges(
        tier=str(form.get("set_tier", "")) or None,
        add_tags=tags("add_tags"), remove_tags=tags("remove_tags"),
        organization_id=None if org in ("", "none") else (_number(org) or -1),
        clear_organization=org == "none",
        owner_id=None if owner in ("", "none") else (_number(owner) or -1),
        clear_owner=owner == "none")


async def batch(request: Request) -> Response:
    user = staff(request)
    form = await request.form()
    check_csrf(request, form)
    params = dict(parse_qsl(str(form.get("filter", ""))[:2000]))
    selected = frozenset(i for i in (_number(str(v)) for v in form.getlist("id")) if i is not None)
    changes = _changes_of(form)
    with db_of(request).session() as session:
        if form.get("scope") == "all":
            ids = list_matching_ids(session, filter_from_params(params))
        else:
            ids = sorted(selected)
        try:
            changed = batch_update(session, Actor.of_user(user), ids, changes)
        except CustomerError as exc:
            typed = {k: str(form.get(k, "")) for k in ("set_tier", "add_tags", "remove_tags",
                                                       "set_organization", "set_owner", "scope")}
            return _list_page(request, params, 400, exc, typed, selected)
    query = urlencode({**_filter_query(params), "updated": changed})
    return RedirectResponse(f"/agent/customers?{query}", status_code=303)


async def export(request: Request) -> Response:
    user = staff(request, Role.supervisor)
    f = filter_from_params(request.query_params)
    db = db_of(request)
    with db.session() as session:
        record_export(session, Actor.of_user(user), _filter_query(request.query_params))
    return StreamingResponse(
        export_rows(db, f), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="customers.csv"'})


def export_rows(db: Database, f: CustomerFilter) -> Iterator[bytes]:
    """The CSV in chunks of records: a UTF-8 BOM first (Excel then reads Chinese right)."""
    yield "\ufeff".encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    with db.session() as session:
        keys = field_keys(session)
        writer.writerow([*EXPORT_COLUMNS, *keys, "created_at", "updated_at"])
        for chunk in export_chunks(session, f):
            for r in chunk:
                writer.writerow([_cell(v) for v in (
                    r["id"], r["name"], ";".join(r["emails"]), ";".join(r["phones"]),
                    r["organization"], r["tier"], r["source"], r["owner"], ";".join(r["tags"]),
                    *(r["fields"].get(k, "") for k in keys),
                    r["created_at"].isoformat(), r["updated_at"].isoformat())])
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue().encode()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if _FORMULA.match(text) else text


routes = [
    Route("/agent/customers", index, methods=["GET"]),
    Route("/agent/customers/batch", batch, methods=["POST"]),
    Route("/agent/customers/export.csv", export, methods=["GET"]),
]
