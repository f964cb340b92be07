"""JSON API v1, mounted at /api/v1: Bearer tokens, JSON in and out, described by openapi.json."""

from starlette.routing import BaseRoute

from desk.web.api import audit as audit_api
from desk.web.api import customers, kb, macros, openapi, organizations, quarantine, reports, rules, tickets
from desk.web.api import ticket_links as ticket_links_api
from desk.web.api import webhooks as webhooks_api

routes: list[BaseRoute] = [*tickets.routes, *quarantine.routes, *kb.routes, *customers.routes,
                           *organizations.routes, *reports.routes, *openapi.routes,
                           *rules.routes, *audit_api.routes, *ticket_links_api.routes,
                           *macros.routes, *webhooks_api.routes]
