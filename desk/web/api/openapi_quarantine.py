"""The quarantine's part of the OpenAPI document."""

from __future__ import annotations

from desk.web.api.openapi_schema import (
    DATE_TIME,
    ID,
    JSON,
    answers,
    error,
    nullable,
    obj,
    query,
    ref,
)

# The quarantine: mail that could not be read. Listing and downloads for admins and
# supervisors, retry and discard for admins.
RAW_STATUSES = ["stored", "ingested", "duplicate", "autoreply", "bounce", "quarantined",
                "discarded"]
SCHEMAS: JSON = {
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
}
RESPONSES: JSON = {
    "Conflict": error("The mail is no longer in the quarantine (retried or discarded)."),
}
RAW_ID = {"name": "raw_id", "in": "path", "required": True, "schema": ID,
          "description": "The quarantined mail's id."}
NO_BODY: JSON = {"required": False, "content": {"application/json": {"schema": ref("Empty")}}}
CONFLICT: JSON = {"409": {"$ref": "#/components/responses/Conflict"}}
PATHS: JSON = {
    "/quarantine": {"get": {
        "operationId": "listQuarantine", "summary": "Mail that could not be read, newest first",
        "parameters": [
            query("mailbox", {"type": "string", "maxLength": 100}, "Only this mailbox's mail."),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                  "Mails per page."),
            query("cursor", ID,
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
}

