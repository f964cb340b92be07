"""The OpenAPI 3.1 document for /api/v1, built from the same constants the code checks.

A test fails when a route is missing here, and checks real answers against these schemas.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.actions.tickets.checks import TAG_RE
from desk.queries.tickets.queue import COUNT_CAP, SEARCH_COUNT_CAP
from desk.web.api import openapi_audit as audit_part
from desk.web.api import (
    openapi_customers,
    openapi_kb,
    openapi_macros,
    openapi_quarantine,
    openapi_reports,
    openapi_rules,
    openapi_ticket_links,
    openapi_webhooks,
)
from desk.web.api.inputs import LIMITS, MAX_PAGE, MAX_PER_PAGE, MAX_TAGS
from desk.web.api.openapi_schema import (
    DATE_TIME,
    ID,
    JSON,
    WRITE_ERRORS,
    answers,
    body,
    enum,
    error,
    nullable,
    obj,
    query,
    ref,
    text,
)

TAGS: JSON = {"type": "array", "maxItems": MAX_TAGS,
              "items": {"type": "string", "pattern": TAG_RE.pattern}}


TICKET_PROPERTIES: JSON = {
    "number": ID,
    "subject": {"type": "string"},
    "status": enum("status"),
    "priority": enum("priority"),
    "channel": enum("channel"),
    "customer": ref("CustomerRef"),
    "team": nullable(ref("TeamRef")),
    "assignee": nullable(ref("UserRef")),
    "tags": {"type": "array", "items": {"type": "string"}},
    "created_at": DATE_TIME,
    "updated_at": DATE_TIME,
    "first_response_at": nullable(DATE_TIME),
    "solved_at": nullable(DATE_TIME),
    "version": {"type": "integer", "minimum": 0,
                "description": "One more on every change to the ticket or its conversation; "
                               "also the ETag. Send it back (If-Match or `version`) with a "
                               "change so that a change made meanwhile is not overwritten."},
    "merged_into": {**nullable(ID), "description": "Merged into this ticket: its messages are "
                                                   "there now, and so goes mail that answers it."},
    "fields": {"type": "object", "additionalProperties": {"type": ["string", "number"]},
               "description": "The ticket's custom field values by key (fields admins define at "
                              "/admin/ticket-fields: text, number or one of a choice's options); "
                              "a field without a value is left out."},
    "next_due_at": {**nullable(DATE_TIME),
                    "description": "The earliest due time of the ticket's running SLA clocks "
                                   "(first response, next response, resolution); null when none "
                                   "runs (no policy, answered and solved, or paused while pending "
                                   "or on hold)."},
    "breached": {"type": "boolean",
                 "description": "An SLA target of the ticket is missed: a running clock is past "
                                "its due time, or a breach is not settled yet (by the late reply "
                                "or the solve)."},
    "vip": {"type": "boolean", "description": "The customer is a VIP (their tickets come first in "
                                              "every queue)."},
}

SCHEMAS: JSON = {
    "Error": obj({"error": {"type": "string", "description": "Why the request failed."}}),
    "ValidationError": obj({
        "error": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "A code per field or parameter: required, too_long, "
                                  "not_a_string, invalid_choice, invalid_email, not_found, "
                                  "unknown_field, unknown_parameter, out_of_range, "
                                  "not_allowed (a status this user may not set by hand: "
                                  "error says why)..."},
    }),
    "CustomerRef": obj({"id": ID, "name": {"type": "string"}, "email": {"type": "string"}}),
    "TeamRef": obj({"id": ID, "name": {"type": "string"}}),
    "UserRef": obj({"id": ID, "name": {"type": "string"}}),
    "Ticket": obj(TICKET_PROPERTIES),
    "TicketDetail": obj({**TICKET_PROPERTIES,
                         "messages": {"type": "array", "items": ref("Message")}}),
    "TicketPage": obj({
        "tickets": {"type": "array", "items": ref("Ticket")},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "total": {"type": "integer", "minimum": 0, "maximum": COUNT_CAP,
                  "description": f"Matching tickets, counted up to {COUNT_CAP} ({SEARCH_COUNT_CAP} "
                                 "for a search, `q`): a value at the cap means 'at least'."},
        "has_next": {"type": "boolean"},
    }),
    "Author": obj({"type": {"type": "string", "enum": ["customer", "agent"]}, "id": ID,
                   "name": {"type": "string"}}),
    "Attachment": obj({"id": ID, "filename": {"type": "string"},
                       "content_type": {"type": "string"},
                       "size": {"type": "integer", "minimum": 0}}),
    "Message": obj({
        "id": ID,
        "direction": {"type": "string", "enum": ["inbound", "outbound", "internal"],
                      "description": "inbound: from the customer; outbound: a public reply; "
                                     "internal: a note the customer never sees."},
        "author": nullable(ref("Author")),
        "text": {"type": "string"},
        "html": {"type": "string", "description": "Sanitised on the way in; may be empty."},
        "message_id": {"type": "string", "description": "RFC 5322 Message-ID."},
        "created_at": DATE_TIME,
        "attachments": {"type": "array", "items": ref("Attachment")},
        "delivery": nullable(ref("Delivery")),
    }),
    "Delivery": obj({
        "status": {"type": "string", "enum": ["queued", "sent", "failed"],
                   "description": "The mail that carries a public reply: queued (waiting or "
                                  "retrying), sent, or failed (see last_error; an agent can "
                                  "resend it from the ticket page)."},
        "attempts": {"type": "integer", "minimum": 0},
        "last_error": {"type": "string"},
        "sent_at": nullable(DATE_TIME),
    }),
    "NewTicket": obj({
        "customer": obj({"email": text(LIMITS["email"], format="email"),
                         "name": nullable({"type": "string", "maxLength": LIMITS["name"],
                                           "description": "Left out or null: the address's name."})},
                        required=("email",)),
        "subject": text(LIMITS["subject"]),
        "text": text(LIMITS["text"]),
        "priority": enum("priority"),
        "tags": TAGS,
        "fields": {"type": "object", "additionalProperties": {"type": ["string", "number", "null"]},
                   "description": "Custom field values by key, checked as in a change (422 with "
                                  "`fields.<key>`)."},
    }, required=("customer", "subject", "text")),
    "TicketChanges": obj({
        "subject": text(LIMITS["subject"]),
        "status": enum("status"),
        "priority": enum("priority"),
        "team_id": nullable(ID),
        "assignee_id": nullable(ID),
        "tags": {**TAGS, "description": "The complete new list of tags."},
        "fields": {"type": "object", "additionalProperties": {"type": ["string", "number", "null"]},
                   "description": "Custom field values to set, by key; null or \"\" clears one, "
                                  "fields not named stay. An unknown key, a number field given "
                                  "no number, a choice not among the options or text over 1000 "
                                  "characters is 422 with `fields.<key>`: unknown_field, "
                                  "not_a_number, invalid_choice, too_long, invalid_value."},
        "version": {"type": "integer", "minimum": 0, "maximum": ID["maximum"],
                    "description": "The ticket's version this change was made against (as "
                                   "read): when it changed since, nothing is saved and the "
                                   "answer is 409. Takes precedence over If-Match."},
    }, required=()),
    "StaleTicket": obj({"error": {"type": "string"},
                        "version": {"type": "integer", "minimum": 0,
                                    "description": "The ticket's version now."}}),
    "NewReply": obj({
        "text": text(LIMITS["text"]),
        "internal": {"type": "boolean", "default": False,
                     "description": "true: an internal note; false: a reply mailed to the "
                                    "customer."},
    }, required=("text",)),
}


RESPONSES: JSON = {
    "BadRequest": error("The body is not a JSON object."),
    "Unauthorized": {
        **error("No token, or a token that is unknown, revoked, expired or of an inactive user."),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"},
                                         "description": 'Bearer realm="desk"'}}},
    "Forbidden": error("The token's user may not see this ticket."),
    "NotFound": error("No such ticket."),
    "TooLarge": error("The body is larger than 1 MiB."),
    "Invalid": error("Some fields or parameters cannot be used; see fields.",
                     "ValidationError"),
    "Other": error("Any other failure, such as 405 for a method the path does not have."),
    "StaleTicket": error("The ticket changed since the version given (`version` or "
                         "If-Match): nothing was saved.", "StaleTicket"),
}


NUMBER = {"name": "number", "in": "path", "required": True, "schema": ID,
          "description": "The ticket number."}

LIST_PARAMETERS = [
    query("q", {"type": "string"},
          "Words to find in the subject, any message (replies and internal notes too), the "
          "customer's name and addresses, and their organisation; any case, full-width or not, "
          "English or Chinese. Every word must be found; words joined by punctuation "
          "(an address, ORD-1234) and Chinese words are found as written. Only letters and "
          "digits count (the first 1,000 characters); a query without any finds nothing. "
          "Found tickets come newest first unless `sort` is given."),
    query("view", enum("view"), "A queue view, as in the agent queue."),
    query("status", enum("status"), "Only tickets with this status."),
    query("priority", enum("priority"), "Only tickets with this priority."),
    query("team", ID, "Only tickets of this team id."),
    query("assignee", ID, "Only tickets assigned to this user id."),
    query("channel", enum("channel"), "Only tickets that came in by this channel."),
    query("tag", TAGS["items"], "Only tickets with this tag (any case)."),
    query("customer", {"type": "string", "maxLength": LIMITS["email"]},
          "A customer's email address or id."),
    query("sort", {**enum("sort"), "default": "updated"},
          "The order of the tickets (with `q`: created, newest first, unless given)."),
    query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
          "The page, from 1."),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 50},
          "Tickets per page."),
]

PATHS: JSON = {
    "/tickets": {
        "get": {"operationId": "listTickets", "summary": "Tickets the token's user may see",
                "parameters": LIST_PARAMETERS,
                "responses": answers(200, "A page of tickets.", "TicketPage", 422)},
        "post": {"operationId": "createTicket",
                 "summary": "Open a ticket for a customer (the API channel)",
                 "requestBody": body("NewTicket"),
                 "responses": answers(201, "The new ticket.", "TicketDetail", *WRITE_ERRORS)},
    },
    "/tickets/{number}": {
        "parameters": [NUMBER],
        "get": {"operationId": "getTicket", "summary": "A ticket with all its messages",
                "responses": answers(200, "The ticket.", "TicketDetail", 403, 404)},
        "patch": {"operationId": "updateTicket", "summary": "Change fields and tags",
                  "parameters": [{"name": "If-Match", "in": "header", "required": False,
                                  "schema": {"type": "string"},
                                  "description": 'The ETag of the ticket as read ("12"): when '
                                                 "it changed since, nothing is saved (409). "
                                                 "Left out, or *: no check."}],
                  "description": "A status is set by the same rules as on the board and the "
                                 "ticket page: only supervisors and admins close a ticket "
                                 "(anyone may close it as spam, tagged `spam`), a closed "
                                 "ticket stays closed, and none goes back to new. A refused "
                                 "status is 422 with `fields.status`: not_allowed and the "
                                 "reason in `error`; nothing is saved.",
                  "requestBody": body("TicketChanges"),
                  "responses": answers(200, "The changed ticket.", "TicketDetail",
                                       403, 404, *WRITE_ERRORS)},
    },
    "/tickets/{number}/replies": {
        "parameters": [NUMBER],
        "post": {"operationId": "replyToTicket",
                 "summary": "A public reply to the customer, or an internal note",
                 "requestBody": body("NewReply"),
                 "responses": answers(201, "The new message.", "Message",
                                      403, 404, *WRITE_ERRORS)},
    },
    "/openapi.json": {
        "get": {"operationId": "getOpenApi", "summary": "This document", "security": [],
                "responses": {"200": {"description": "The OpenAPI document.",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}}}},
    },
}
PATHS["/tickets/{number}"]["patch"]["responses"]["409"] = {
    "$ref": "#/components/responses/StaleTicket"}
for _answer in (PATHS["/tickets/{number}"]["get"], PATHS["/tickets/{number}"]["patch"]):
    _answer["responses"]["200"]["headers"] = {"ETag": {
        "schema": {"type": "string"}, "description": "The ticket's version, quoted."}}
PATHS["/tickets"]["post"]["responses"]["201"]["headers"] = {
    "Location": {"schema": {"type": "string", "format": "uri"},
                 "description": "The new ticket's address."}}

for part in (openapi_quarantine, openapi_kb, openapi_customers, openapi_reports, openapi_rules,
             openapi_ticket_links, openapi_macros, openapi_webhooks):
    SCHEMAS.update(part.SCHEMAS)
    RESPONSES.update(part.RESPONSES)
    PATHS.update(part.PATHS)
SCHEMAS.update(audit_part.SCHEMAS)
PATHS.update(audit_part.PATHS)

DOCUMENT: JSON = {
    "openapi": "3.1.0",
    "info": {
        "title": "Desk API",
        "version": "1",
        "description": "Every request but this document's needs `Authorization: Bearer "
                       "<token>` (`desk token create EMAIL`, or My account). A token has scopes: "
                       "`tickets:read`/`tickets:write` (tickets, macros), `customers:read`/"
                       "`customers:write` (customers, organisations), `kb:read`/`kb:write`, "
                       "`reports:read`, and `admin` (everything, and alone rules, quarantine, "
                       "the audit log); GET reads, other methods write. A request outside the "
                       "token's scopes is answered 403 `{\"error\": \"this token's scopes do "
                       "not include <scope>\"}`; an expired token 401. Errors are JSON: "
                       '`{"error": "<reason>"}`, with `fields` for 422.',
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        "schemas": SCHEMAS,
        "responses": RESPONSES,
    },
}


def openapi_document(request: Request) -> Response:
    return JSONResponse(DOCUMENT)


routes = [
    Route("/openapi.json", openapi_document, methods=["GET"], name="api:openapi"),
]
