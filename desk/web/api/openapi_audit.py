"""The audit log's part of the OpenAPI document."""

from __future__ import annotations

from desk.queries.audit import ACTOR_TYPES, MAX_LIMIT
from desk.web.api.openapi_schema import DATE_TIME, ID, JSON, answers, nullable, obj, query, ref
from desk.web.audit import DEFAULT_LIMIT, MAX_Q, WORD

NAME = {"type": "string", "pattern": WORD.pattern}
DAY = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
SCHEMAS: JSON = {
    "AuditActor": obj({
        "type": {"type": "string", "enum": list(ACTOR_TYPES),
                 "description": "user: a staff member in the pages; api: a staff member's "
                                "token; system: Desk itself or the `desk` command; customer; "
                                "visitor: someone not signed in (a failed sign-in)."},
        "id": nullable({"type": "integer", "minimum": 1}),
        "name": {"type": "string", "description": "As it was when the entry was written (a "
                                                  "visitor's: the address)."},
    }),
    "AuditEntry": obj({
        "id": ID,
        "at": DATE_TIME,
        "actor": ref("AuditActor"),
        "entity": {"type": "string", "description": "The kind of object: ticket, customer, "
                                                    "user, team, sign_in, api_token..."},
        "entity_id": {"type": "integer", "minimum": 0, "description": "0 when the entry is "
                                                                      "about no one object."},
        "action": {"type": "string", "description": "created, updated, signed_in, failed..."},
        "changes": {"type": "object", "description": 'Usually {"field": [before, after]}.'},
        "address": {"type": "string", "maxLength": 64,
                    "description": "The client's network address for a change made in the pages "
                                   "or the API (behind a reverse proxy, the address it names "
                                   "when `desk serve --forwarded-allow-ips` trusts it); empty "
                                   "for Desk itself and the `desk` command."},
    }),
    "AuditPage": obj({
        "items": {"type": "array", "items": ref("AuditEntry")},
        "next_cursor": {"type": ["string", "null"],
                        "description": "Pass as `cursor` for older entries; null on the last "
                                       "page."},
    }),
}
RESPONSES: JSON = {}
PATHS: JSON = {
    "/audit": {"get": {
        "operationId": "listAudit",
        "summary": "The audit log, newest first (admins); entries cannot be changed",
        "parameters": [
            query("actor_type", {"type": "string", "enum": list(ACTOR_TYPES)},
                  "Only entries of this kind of actor."),
            query("staff_id", ID, "Only entries by this staff member (user id), in the pages "
                                  "or with a token."),
            query("actor_id", ID, "Only entries by an actor with this id (a staff member or "
                                  "a customer; with actor_type, one of them)."),
            query("entity", NAME, "Only entries about this kind of object."),
            query("entity_id", ID, "Only entries about the object with this id."),
            query("action", NAME, "Only entries of this action."),
            query("since", DAY, "From the start of this day (UTC)."),
            query("until", DAY, "To the end of this day (UTC)."),
            query("q", {"type": "string", "maxLength": MAX_Q},
                  "Only entries whose actor's name or changes hold this text (any case)."),
            query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                            "default": DEFAULT_LIMIT}, "Entries per page."),
            query("cursor", ID, "A page's `next_cursor`: the next, older page."),
        ],
        "responses": answers(200, "A page of audit entries.", "AuditPage", 403, 422)}},
}
