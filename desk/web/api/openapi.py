"""The OpenAPI 3.1 document for /api/v1, built from the same constants the code checks.

A test fails when a route is missing here, and checks real answers against these schemas.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from desk.actions.ticket_checks import TAG_RE
from desk.queries.tickets import COUNT_CAP
from desk.web.api.inputs import CHOICES, LIMITS, MAX_ID, MAX_PAGE, MAX_PER_PAGE, MAX_TAGS

JSON = dict[str, Any]
DATE_TIME = {"type": "string", "format": "date-time"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
TAGS: JSON = {"type": "array", "maxItems": MAX_TAGS,
              "items": {"type": "string", "pattern": TAG_RE.pattern}}


def ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: JSON) -> JSON:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def obj(properties: JSON, required: tuple[str, ...] | None = None) -> JSON:
    """An object schema; every property is required unless ``required`` says otherwise."""
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "required": list(properties if required is None else required)}


def text(limit: int, **extra: Any) -> JSON:
    return {"type": "string", "minLength": 1, "maxLength": limit, **extra}


def enum(name: str) -> JSON:
    return {"type": "string", "enum": list(CHOICES[name])}


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
}

SCHEMAS: JSON = {
    "Error": obj({"error": {"type": "string", "description": "Why the request failed."}}),
    "ValidationError": obj({
        "error": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "A code per field or parameter: required, too_long, "
                                  "not_a_string, invalid_choice, invalid_email, not_found, "
                                  "unknown_field, unknown_parameter, out_of_range..."},
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
                  "description": f"Matching tickets, counted up to {COUNT_CAP}: a value of "
                                 f"{COUNT_CAP} means 'at least'."},
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
                         "name": {"type": "string", "maxLength": LIMITS["name"]}},
                        required=("email",)),
        "subject": text(LIMITS["subject"]),
        "text": text(LIMITS["text"]),
        "priority": enum("priority"),
        "tags": TAGS,
    }, required=("customer", "subject", "text")),
    "TicketChanges": obj({
        "subject": text(LIMITS["subject"]),
        "status": enum("status"),
        "priority": enum("priority"),
        "team_id": nullable(ID),
        "assignee_id": nullable(ID),
        "tags": {**TAGS, "description": "The complete new list of tags."},
    }, required=()),
    "NewReply": obj({
        "text": text(LIMITS["text"]),
        "internal": {"type": "boolean", "default": False,
                     "description": "true: an internal note; false: a reply mailed to the "
                                    "customer."},
    }, required=("text",)),
}


def error(description: str, schema: str = "Error") -> JSON:
    return {"description": description,
            "content": {"application/json": {"schema": ref(schema)}}}


RESPONSES: JSON = {
    "BadRequest": error("The body is not a JSON object."),
    "Unauthorized": {
        **error("No token, or a token that is unknown, revoked or of an inactive user."),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"},
                                         "description": 'Bearer realm="desk"'}}},
    "Forbidden": error("The token's user may not see this ticket."),
    "NotFound": error("No such ticket."),
    "TooLarge": error("The body is larger than 1 MiB."),
    "Invalid": error("Some fields or parameters cannot be used; see fields.",
                     "ValidationError"),
    "Other": error("Any other failure, such as 405 for a method the path does not have."),
}


def answers(ok: int, description: str, schema: str, *errors: int) -> JSON:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
             413: "TooLarge", 422: "Invalid"}
    out: JSON = {str(ok): {"description": description,
                           "content": {"application/json": {"schema": ref(schema)}}}}
    for status in (401, *errors):
        out[str(status)] = {"$ref": f"#/components/responses/{names[status]}"}
    out["default"] = {"$ref": "#/components/responses/Other"}
    return out


def query(name: str, schema: JSON, description: str) -> JSON:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def body(schema: str) -> JSON:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


NUMBER = {"name": "number", "in": "path", "required": True, "schema": ID,
          "description": "The ticket number."}
WRITE_ERRORS = (400, 413, 422)

LIST_PARAMETERS = [
    query("view", enum("view"), "A queue view, as in the agent queue."),
    query("status", enum("status"), "Only tickets with this status."),
    query("priority", enum("priority"), "Only tickets with this priority."),
    query("team", ID, "Only tickets of this team id."),
    query("assignee", ID, "Only tickets assigned to this user id."),
    query("channel", enum("channel"), "Only tickets that came in by this channel."),
    query("tag", TAGS["items"], "Only tickets with this tag (any case)."),
    query("customer", {"type": "string", "maxLength": LIMITS["email"]},
          "A customer's email address or id."),
    query("sort", {**enum("sort"), "default": "updated"}, "The order of the tickets."),
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
PATHS["/tickets"]["post"]["responses"]["201"]["headers"] = {
    "Location": {"schema": {"type": "string", "format": "uri"},
                 "description": "The new ticket's address."}}

# The quarantine: mail that could not be read. Listing and downloads for admins and
# supervisors, retry and discard for admins.
RAW_STATUSES = ["stored", "ingested", "duplicate", "autoreply", "bounce", "quarantined",
                "discarded"]
SCHEMAS.update({
    "QuarantinedMail": obj({
        "id": ID,
        "mailbox": {"type": "string"},
        "received_at": DATE_TIME,
        "from": {"type": "string", "description": "Read leniently from the raw header; may be "
                                                  "empty."},
        "subject": {"type": "string", "description": "Decoded leniently; may be empty."},
        "size": {"type": "integer", "minimum": 0, "description": "Bytes of the raw mail."},
        "error": {"type": "string", "description": "Why it could not be read or ingested."},
    }),
    "QuarantinePage": obj({
        "items": {"type": "array", "items": ref("QuarantinedMail")},
        "next_cursor": {"type": ["string", "null"],
                        "description": "Pass as `cursor` for older mail; null on the last page."},
    }),
    "QuarantineOutcome": obj({
        "id": ID,
        "status": {"type": "string", "enum": RAW_STATUSES,
                   "description": "ingested: filed on `ticket`; quarantined: failed again, see "
                                  "`error`; stored: the database was busy, a later pass takes "
                                  "it; discarded: thrown away (the bytes are kept)."},
        "ticket": nullable(ID),
        "error": {"type": "string"},
    }),
    "Empty": obj({}, required=()),
})
RESPONSES["Conflict"] = error("The mail is no longer in the quarantine (retried or discarded).")
RAW_ID = {"name": "raw_id", "in": "path", "required": True, "schema": ID,
          "description": "The quarantined mail's id."}
NO_BODY: JSON = {"required": False, "content": {"application/json": {"schema": ref("Empty")}}}
CONFLICT: JSON = {"409": {"$ref": "#/components/responses/Conflict"}}
PATHS.update({
    "/quarantine": {"get": {
        "operationId": "listQuarantine", "summary": "Mail that could not be read, newest first",
        "parameters": [
            query("mailbox", {"type": "string", "maxLength": 100}, "Only this mailbox's mail."),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                  "Mails per page."),
            query("cursor", {"type": "string", "pattern": "^[0-9]+$"},
                  "A page's `next_cursor`: the next, older page."),
        ],
        "responses": answers(200, "A page of quarantined mail.", "QuarantinePage", 403, 422)}},
    "/quarantine/{raw_id}/raw": {"parameters": [RAW_ID], "get": {
        "operationId": "downloadQuarantinedMail", "summary": "The raw mail, byte for byte",
        "responses": {
            **answers(200, "", "Empty", 403, 404),
            "200": {"description": "The .eml, as an attachment named quarantine-<id>.eml.",
                    "content": {"message/rfc822": {"schema": {
                        "type": "string", "contentMediaType": "message/rfc822"}}}}}}},
    "/quarantine/{raw_id}/retry": {"parameters": [RAW_ID], "post": {
        "operationId": "retryQuarantinedMail",
        "summary": "Read and ingest the mail again (admins); it stays quarantined if it fails",
        "requestBody": NO_BODY,
        "responses": {**answers(200, "Where the mail stands now.", "QuarantineOutcome",
                                403, 404), **CONFLICT}}},
    "/quarantine/{raw_id}/discard": {"parameters": [RAW_ID], "post": {
        "operationId": "discardQuarantinedMail",
        "summary": "Throw the mail away (admins); the row and bytes are kept for accounting",
        "requestBody": NO_BODY,
        "responses": {**answers(200, "The mail, now discarded.", "QuarantineOutcome",
                                403, 404), **CONFLICT}}},
})

# The knowledge base: search, the article list (every status: tokens are staff), writing.
KB_LOCALE: JSON = {"type": "string", "enum": ["en", "zh-CN"]}
KB_ARTICLE_PROPERTIES: JSON = {
    "id": ID, "title": {"type": "string"}, "slug": {"type": "string"}, "locale": KB_LOCALE,
    "category_id": nullable(ID), "category": {"type": ["string", "null"],
                                              "description": "The category's slug."},
    "tags": {"type": "array", "items": {"type": "string"}},
    "status": {"type": "string", "enum": ["draft", "published", "archived"]},
    "visibility": {"type": "string", "enum": ["public", "internal"],
                   "description": "internal: for agents only, never on the public portal."},
    "translation_group": nullable(ID),
    "url": {"type": "string", "description": "The article's page on the public help portal."},
    "views": {"type": "integer", "minimum": 0}, "helpful_yes": {"type": "integer", "minimum": 0},
    "helpful_no": {"type": "integer", "minimum": 0}, "created_at": DATE_TIME,
    "updated_at": DATE_TIME, "published_at": nullable(DATE_TIME),
}
KB_WRITABLE: JSON = {
    "title": text(300), "body_markdown": text(200_000, description="Markdown."),
    "locale": {**KB_LOCALE, "default": "en"}, "category_id": nullable(ID), "tags": {
        "type": "array", "maxItems": 20, "items": {"type": "string", "maxLength": 50}},
    "status": {"type": "string", "enum": ["draft", "published", "archived"], "default": "draft"},
    "visibility": {"type": "string", "enum": ["public", "internal"], "default": "public"},
    "translation_of": nullable({**ID, "description": "An article in another language this one "
                                                     "translates (joins its translations)."}),
}
SCHEMAS.update({
    "KbHit": obj({
        "id": ID, "title": {"type": "string"}, "slug": {"type": "string"}, "locale": KB_LOCALE,
        "category": {"type": ["string", "null"]}, "score": {"type": "number"},
        "snippet": {"type": "string", "description": "HTML: the text escaped, the matched words "
                                                     "in <mark>."},
        "url": {"type": "string"}}),
    "KbSearchResults": obj({
        "query": {"type": "string"}, "hits": {"type": "array", "items": ref("KbHit")},
        "total": {"type": "integer", "minimum": 0},
        "did_you_mean": {"type": ["string", "null"],
                         "description": "A spelling correction for an English query."}}),
    "KbArticle": obj(KB_ARTICLE_PROPERTIES),
    "KbArticleDetail": obj({
        **KB_ARTICLE_PROPERTIES, "body_markdown": {"type": "string"},
        "html": {"type": "string", "description": "The Markdown rendered and sanitised."},
        "translations": {"type": "array", "items": obj({
            "id": ID, "locale": KB_LOCALE, "title": {"type": "string"}})}}),
    "KbArticlePage": obj({
        "items": {"type": "array", "items": ref("KbArticle")},
        "next_cursor": {"type": ["string", "null"],
                        "description": "Pass as `cursor` for older articles; null on the last "
                                       "page."}}),
    "NewKbArticle": obj(KB_WRITABLE, required=("title", "body_markdown")),
    "KbArticleChanges": obj(KB_WRITABLE, required=()),
})
ARTICLE_ID = {"name": "article_id", "in": "path", "required": True, "schema": ID,
              "description": "The article's id."}
PATHS.update({
    "/kb/search": {"get": {
        "operationId": "searchKb",
        "summary": "Published articles matching a query, best first (English and Chinese)",
        "parameters": [
            query("q", {"type": "string", "maxLength": 1000},
                  "What to look for, as typed; any text is accepted (no query syntax). Empty: "
                  "no hits."),
            query("locale", KB_LOCALE, "Only articles in this language."),
            query("category", {"type": "string", "maxLength": 120}, "A category's slug."),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
                  "Hits at most."),
            query("include_internal", {"type": "boolean", "default": False},
                  "Also internal (agents-only) articles."),
        ],
        "responses": answers(200, "The hits.", "KbSearchResults", 422)}},
    "/kb/articles": {
        "get": {"operationId": "listKbArticles", "summary": "Articles in any status, newest first",
                "parameters": [
                    query("locale", KB_LOCALE, "Only articles in this language."),
                    query("status", {"type": "string",
                                     "enum": ["draft", "published", "archived"]},
                          "Only articles with this status."),
                    query("category", {"type": "string"}, "A category's slug or id."),
                    query("limit", {"type": "integer", "minimum": 1, "maximum": 100,
                                    "default": 50}, "Articles per page."),
                    query("cursor", {"type": "string", "pattern": "^[0-9]+$"},
                          "A page's `next_cursor`."),
                ],
                "responses": answers(200, "A page of articles.", "KbArticlePage", 422)},
        "post": {"operationId": "createKbArticle",
                 "summary": "Write an article (knowledge-base writers only)",
                 "requestBody": body("NewKbArticle"),
                 "responses": answers(201, "The new article.", "KbArticleDetail", 403,
                                      *WRITE_ERRORS)},
    },
    "/kb/articles/{article_id}": {
        "parameters": [ARTICLE_ID],
        "get": {"operationId": "getKbArticle", "summary": "An article with its text",
                "responses": answers(200, "The article.", "KbArticleDetail", 404)},
        "patch": {"operationId": "updateKbArticle",
                  "summary": "Change an article (knowledge-base writers only); a new revision",
                  "requestBody": body("KbArticleChanges"),
                  "responses": answers(200, "The changed article.", "KbArticleDetail", 403, 404,
                                       *WRITE_ERRORS)},
    },
})

DOCUMENT: JSON = {
    "openapi": "3.1.0",
    "info": {
        "title": "Desk API",
        "version": "1",
        "description": "Every request but this document's needs `Authorization: Bearer "
                       "<token>` (`desk token create EMAIL`). Errors are JSON: "
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
