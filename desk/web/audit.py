"""The audit log page, /admin/audit: every change, sign-in and failed sign-in, newest first,
with the client address it came from, filtered (also by words in who or the changes) and
paged by keyset, and its CSV export (itself recorded in the log).

Admins only: the log shows every colleague's sign-ins with their addresses, and changes to
accounts and permissions; supervisors see a ticket's or customer's history on its own page.
Nothing here (nor anywhere in Desk) edits or deletes an entry: the routes only read."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from desk.actions.audit import Actor, record_audit_export
from desk.actions.ingest.cleaning import one_line
from desk.db import Database
from desk.i18n import _
from desk.models import AuditEntry, Role
from desk.queries.audit import ACTOR_TYPES, MAX_LIMIT, AuditFilter, audit_chunks, list_audit
from desk.queries.users import list_users
from desk.web.api.schemas import iso
from desk.web.auth import db_of, staff
from desk.web.ids import MAX_ID
from desk.web.templating import render

FILTERS = ("staff_id", "actor_type", "actor_id", "entity", "entity_id", "action", "since", "until",
           "q")
MAX_Q = 200
PARAMS = (*FILTERS, "limit", "cursor")
DEFAULT_LIMIT = 50
WORD = re.compile(r"^[a-z0-9_]{1,50}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A cell a spreadsheet would run as a formula.
_FORMULA = re.compile(r"^[=@\t\r+-]")
# Where the object of an entry is shown, by kind.
OBJECT_PAGES = {"ticket": "/agent/tickets/{}", "customer": "/agent/customers/{}",
                "user": "/admin/staff/{}", "raw_message": "/admin/quarantine",
                "form_request": "/admin/form-requests"}
# What the page says beside a filter it cannot use (the API answers the codes).
ERRORS = {
    "unknown_parameter": _("Unknown field."),
    "invalid_choice": _("Choose one of the options."),
    "invalid_id": _("Enter a number, like 42."),
    "invalid_cursor": _("This page no longer exists: start from the first."),
    "invalid_characters": _("Lower-case letters, digits and _ only, like password_reset."),
    "invalid_date": _("Enter a date as YYYY-MM-DD, like 2026-03-31."),
    "out_of_range": _("This is too large."),
}
# "address" last: a spreadsheet or script reading the columns before it keeps working.
CSV_COLUMNS = ("id", "at", "actor_type", "actor_id", "actor_name", "entity", "entity_id",
               "action", "changes", "address")


def _number(raw: str) -> int | None:
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not 1 <= int(raw) <= MAX_ID:
        return None
    return int(raw)


def _day(raw: str) -> date | None:
    if not DAY.match(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def read_filter(params: Mapping[str, str]) -> tuple[AuditFilter, int, int | None, dict[str, str]]:
    """(filter, limit, cursor, errors) of the query parameters; ``errors`` names each
    parameter that cannot be used (unknown_parameter, invalid_choice, invalid_id...)."""
    errors = {name: "unknown_parameter" for name in params if name not in PARAMS}
    actor_type = params.get("actor_type", "")
    if "actor_type" in params and actor_type not in ACTOR_TYPES:
        errors["actor_type"] = "invalid_choice"
    ids: dict[str, int | None] = {}
    for name in ("staff_id", "actor_id", "entity_id", "cursor"):
        ids[name] = _number(params[name]) if name in params else None
        if name in params and ids[name] is None:
            errors[name] = "invalid_cursor" if name == "cursor" else "invalid_id"
    for name in ("entity", "action"):
        if name in params and not WORD.match(params[name]):
            errors[name] = "invalid_characters"
    days: dict[str, date | None] = {}
    for name in ("since", "until"):
        days[name] = _day(params[name]) if name in params else None
        if name in params and days[name] is None:
            errors[name] = "invalid_date"
    # Words to find: control characters (a NUL the database refuses) count as spaces.
    q = one_line(params.get("q", "")).strip()
    if len(q) > MAX_Q:
        errors["q"] = "out_of_range"
    limit = _number(params.get("limit", str(DEFAULT_LIMIT)))
    if limit is None or limit > MAX_LIMIT:
        errors["limit"] = "out_of_range"
    f = AuditFilter(actor_type=actor_type if "actor_type" not in errors else "",
                    actor_id=ids["actor_id"], staff_id=ids["staff_id"], entity=params.get("entity", ""),
                    entity_id=ids["entity_id"], action=params.get("action", ""),
                    since=days["since"], until=days["until"], q=q if "q" not in errors else "")
    return f, min(limit or DEFAULT_LIMIT, MAX_LIMIT), ids["cursor"], errors


def _given(request: Request) -> dict[str, str]:
    """The form's parameters that hold something: a blank field filters nothing."""
    return {k: v.strip() for k, v in request.query_params.items() if v.strip()}


async def index(request: Request) -> Response:
    staff(request, Role.admin)
    params = _given(request)
    f, limit, cursor, errors = read_filter(params)
    if errors:  # the form again, the bad fields marked, nothing listed
        f, cursor = AuditFilter(), None
    with db_of(request).session() as session:
        page = list_audit(session, f, limit, cursor) if not errors else None
        people = list_users(session)
    kept = {k: v for k, v in params.items() if k in FILTERS}
    older = (f"/admin/audit?{urlencode({**kept, 'cursor': page.next_cursor})}"
             if page and page.next_cursor else None)
    return render(request, "admin/audit.html", status_code=400 if errors else 200,
                  page=page, people=people, values=params, errors=errors,
                  actor_types=ACTOR_TYPES, older_url=older, object_pages=OBJECT_PAGES,
                  first_url=f"/admin/audit?{urlencode(kept)}" if cursor else None,
                  export_url=f"/admin/audit.csv?{urlencode(kept)}", shown=_shown,
                  error_texts=ERRORS)


def _shown(value: Any) -> str:
    """A before or after value as the page shows it."""
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


async def export(request: Request) -> Response:
    user = staff(request, Role.admin)
    params = {k: v for k, v in _given(request).items() if k in FILTERS}
    f, _limit, _cursor, errors = read_filter(params)
    if errors:
        return await index(request)
    db = db_of(request)
    with db.session() as session:
        record_audit_export(session, Actor.of_user(user), params)
    return StreamingResponse(
        csv_rows(db, f), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'})


def csv_rows(db: Database, f: AuditFilter) -> Iterator[bytes]:
    """The CSV in chunks of entries: a UTF-8 BOM first (Excel then reads Chinese right)."""
    yield "\ufeff".encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    with db.session() as session:
        for chunk in audit_chunks(session, f):
            writer.writerows(_csv_row(e) for e in chunk)
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _csv_row(e: AuditEntry) -> list[str]:
    values = (e.id, iso(e.at), e.actor_type, e.actor_id, e.actor_name, e.entity,
              e.entity_id, e.action, json.dumps(e.changes, ensure_ascii=False), e.address)
    cells = ["" if v is None else str(v) for v in values]
    return ["'" + c if _FORMULA.match(c) else c for c in cells]


routes = [
    Route("/admin/audit", index, methods=["GET"]),
    Route("/admin/audit.csv", export, methods=["GET"]),
]
