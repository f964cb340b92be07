"""The OpenAPI part of merging, splitting and linking tickets."""

from __future__ import annotations

from desk.web.api.inputs import LIMITS
from desk.web.api.openapi_schema import ID, JSON, WRITE_ERRORS, answers, body, error, obj, ref

NUMBER = {"name": "number", "in": "path", "required": True, "schema": ID,
          "description": "The ticket number."}

SCHEMAS: JSON = {
    "TicketMergeInput": obj({"into": {**ID, "description": "The ticket of the same customer "
                                                           "that takes this one's messages."}}),
    "TicketSplitInput": obj({
        "message_id": {**ID, "description": "A message of this ticket (not its only one)."},
        "subject": {"type": "string", "maxLength": LIMITS["subject"],
                    "description": "The new ticket's subject; empty or left out: this one's."},
    }, required=("message_id",)),
    "TicketLinkInput": obj({"number": {**ID, "description": "The ticket to link to."}}),
    "TicketLinks": obj({"links": {"type": "array", "items": ref("Ticket")}}),
}

RESPONSES: JSON = {
    "TicketStateConflict": error("The tickets' state does not allow it (another customer's, "
                                 "merged or closed already, itself, the only message); "
                                 "`error` says which."),
}

CONFLICT = {"409": {"$ref": "#/components/responses/TicketStateConflict"}}

PATHS: JSON = {
    "/tickets/{number}/merge": {
        "parameters": [NUMBER],
        "post": {"operationId": "mergeTicket",
                 "summary": "Merge this ticket into another of the same customer",
                 "description": "Its messages, their attachments and mail, and its tags move to "
                                "`into`; this ticket is closed with `merged_into` set; mail "
                                "answering or naming it lands in `into`. History on both.",
                 "requestBody": body("TicketMergeInput"),
                 "responses": {**answers(200, "The ticket merged into.", "TicketDetail",
                                         403, 404, *WRITE_ERRORS), **CONFLICT}},
    },
    "/tickets/{number}/split": {
        "parameters": [NUMBER],
        "post": {"operationId": "splitTicket",
                 "summary": "Split a message off into a new ticket of the same customer",
                 "requestBody": body("TicketSplitInput"),
                 "responses": {**answers(201, "The new ticket.", "TicketDetail",
                                         403, 404, *WRITE_ERRORS), **CONFLICT}},
    },
    "/tickets/{number}/links": {
        "parameters": [NUMBER],
        "get": {"operationId": "listTicketLinks", "summary": "The tickets linked to this one",
                "responses": answers(200, "The linked tickets.", "TicketLinks", 403, 404)},
        "post": {"operationId": "linkTicket", "summary": "Link a related ticket (both ways)",
                 "requestBody": body("TicketLinkInput"),
                 "responses": {**answers(200, "The linked tickets, with the new one.",
                                         "TicketLinks", 403, 404, *WRITE_ERRORS), **CONFLICT}},
    },
    "/tickets/{number}/links/{other}": {
        "parameters": [NUMBER, {"name": "other", "in": "path", "required": True, "schema": ID,
                                "description": "The linked ticket's number."}],
        "delete": {"operationId": "unlinkTicket", "summary": "Remove a link",
                   "responses": {"204": {"description": "The link is gone."},
                                 **{code: answer for code, answer in answers(
                                     200, "", "TicketLinks", 403, 404).items() if code != "200"}}},
    },
}
