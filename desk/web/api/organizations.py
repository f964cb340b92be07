"""The organisations' API: a searchable, paged list with member and open-ticket counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.models import Organization
from desk.queries.customers.organizations import list_organizations
from desk.web.api.inputs import invalid, page_numbers
from desk.web.api.tokens import authenticated

PARAMS = ("q", "page", "per_page")
MAX_QUERY = 200
MAX_PAGE = 1000


def _organization_json(orgs: Sequence[Organization], members: Mapping[int, int],
                       open_tickets: Mapping[int, int]) -> list[dict[str, Any]]:
    return [{"id": o.id, "name": o.name, "domain": o.domain, "tier": o.tier,
             "auto_join": o.auto_join, "portal_shared": o.portal_shared,
             "member_count": members.get(o.id or 0, 0),
             "open_ticket_count": open_tickets.get(o.id or 0, 0)} for o in orgs]


class OrganizationCollection(HTTPEndpoint):
    def get(self, request: Request) -> Response:
        params = request.query_params
        with authenticated(request) as (session, _user):
            errors = {name: "unknown_parameter" for name in params if name not in PARAMS}
            if len(params.get("q", "")) > MAX_QUERY:
                errors["q"] = "too_long"
            page, per_page = page_numbers(params, errors, MAX_PAGE)
            if errors:
                raise invalid(errors, "invalid query parameters")
            result = list_organizations(session, params.get("q", ""), page, per_page)
            return JSONResponse({
                "organizations": _organization_json(result.organizations, result.members,
                                                    result.open_tickets),
                "page": result.page, "per_page": per_page, "has_next": result.has_next})


routes = [Route("/organizations", OrganizationCollection, name="api:organizations")]
