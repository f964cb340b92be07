"""The audit log over the API: GET /audit, newest first, the page's filters, a cursor for
older entries. Admins only, like the page. Read-only: no method writes an entry, and there
is no path for one entry, so nothing can edit or delete one.

A plain HTTPEndpoint method: Starlette runs it, and so the database work, in its thread pool.
"""

from __future__ import annotations

from typing import Any

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.models import AuditEntry, Role
from desk.queries.audit import list_audit
from desk.web.api.inputs import invalid
from desk.web.api.schemas import iso
from desk.web.api.tokens import authenticated
from desk.web.audit import read_filter
from desk.web.errors import ApiError

JSON = dict[str, Any]


def entry_json(e: AuditEntry) -> JSON:
    return {"id": e.id, "at": iso(e.at),
            "actor": {"type": e.actor_type, "id": e.actor_id, "name": e.actor_name},
            "entity": e.entity, "entity_id": e.entity_id, "action": e.action,
            "changes": e.changes, "address": e.address}


class AuditCollection(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        with authenticated(request) as (session, user):
            if user.role != Role.admin:
                raise ApiError(403, "only admins may read the audit log")
            f, limit, cursor, errors = read_filter(request.query_params)
            if errors:
                raise invalid(errors, "invalid query parameters")
            page = list_audit(session, f, limit, cursor)
            return JSONResponse({
                "items": [entry_json(e) for e in page.items],
                "next_cursor": str(page.next_cursor) if page.next_cursor else None,
            })


routes = [Route("/audit", AuditCollection, name="api:audit")]
