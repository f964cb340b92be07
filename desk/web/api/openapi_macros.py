"""The macros' part of the OpenAPI document."""

from __future__ import annotations

from desk.actions.macros import MAX_TEXT, SCOPES
from desk.macro_text import FIELDS
from desk.models import Status
from desk.web.api.openapi_schema import DATE_TIME, ID, JSON, WRITE_ERRORS, answers, body, obj, ref

PLACEHOLDERS = ", ".join("{{" + name + "}}" for name in FIELDS) + " and {{article:ID}}"
MACRO_ID = {"name": "macro_id", "in": "path", "required": True, "schema": ID,
            "description": "The macro's id."}
NUMBER = {"name": "number", "in": "path", "required": True, "schema": ID,
          "description": "The ticket number."}
FIELD_SCHEMAS: JSON = {
    "name": {"type": "string", "maxLength": 200},
    "text_en": {"type": "string", "maxLength": MAX_TEXT,
                "description": f"The reply in English; placeholders: {PLACEHOLDERS}."},
    "text_zh": {"type": "string", "maxLength": MAX_TEXT,
                "description": "The reply in Chinese; the customer's language picks one, "
                               "else the other is used."},
    "scope": {"type": "string", "enum": list(SCOPES),
              "description": "personal (yours), everyone, or team (`team_id`); only "
                             "supervisors and admins share."},
    "team_id": {"type": "string", "description": "The team's id, for scope team; else empty."},
    "set_status": {"type": "string", "enum": ["", *(s.value for s in Status)]},
    "add_tags": {"type": "string", "description": "Tags to add, separated by commas."},
    "assignee": {"type": "string", "description": 'Empty: unchanged; "me": whoever applies it; '
                                                  '"none": nobody; else a user id.'},
}
SCHEMAS: JSON = {
    "Macro": obj({"id": ID, **FIELD_SCHEMAS, "editable": {"type": "boolean"},
                  "updated_at": DATE_TIME}),
    "MacroList": obj({"macros": {"type": "array", "items": ref("Macro")}}),
    "MacroInput": obj({**FIELD_SCHEMAS, "name": {**FIELD_SCHEMAS["name"], "minLength": 1}},
                      required=("name",)),
    "MacroPatch": obj(FIELD_SCHEMAS, required=()),
    "MacroForTicket": obj({
        "macro_id": ID, "ticket": ID,
        "text": {"type": "string", "description": "The text as it would go: the customer's "
                                                  "language, placeholders filled."},
        "changes": {"type": "object", "description": "What it sets: status, assignee_id."},
        "add_tags": {"type": "array", "items": {"type": "string"}},
    }),
}
RESPONSES: JSON = {}
PATHS: JSON = {
    "/macros": {
        "get": {"operationId": "listMacros",
                "summary": "Macros you may use: yours, your teams' and everyone's",
                "responses": answers(200, "The macros, by name.", "MacroList")},
        "post": {"operationId": "createMacro",
                 "summary": "Write a macro; an unknown placeholder or a missing article is "
                            "refused with the reason per field",
                 "requestBody": body("MacroInput"),
                 "responses": answers(201, "The new macro.", "Macro", *WRITE_ERRORS)},
    },
    "/macros/{macro_id}": {
        "parameters": [MACRO_ID],
        "get": {"operationId": "getMacro", "summary": "One macro you may use",
                "responses": answers(200, "The macro.", "Macro", 403, 404)},
        "patch": {"operationId": "changeMacro",
                  "summary": "Change a macro (yours; shared ones: supervisors and admins)",
                  "requestBody": body("MacroPatch"),
                  "responses": answers(200, "The macro.", "Macro", 403, 404, *WRITE_ERRORS)},
        "delete": {"operationId": "deleteMacro", "summary": "Delete a macro",
                   "responses": {"204": {"description": "Deleted."},
                                 **{k: v for k, v in answers(200, "", "Macro", 403, 404).items()
                                    if k != "200"}}},
    },
    "/tickets/{number}/macros/{macro_id}": {
        "parameters": [NUMBER, MACRO_ID],
        "get": {"operationId": "previewMacro",
                "summary": "The macro as it would go to this ticket",
                "responses": answers(200, "Its text and actions.", "MacroForTicket", 403, 404)},
        "post": {"operationId": "applyMacro",
                 "summary": "Apply the macro: its text as a public reply, its status, assignee "
                            "and tags set, in one change",
                 "requestBody": {"required": False, "content": {"application/json": {
                     "schema": {"type": "object", "additionalProperties": False,
                                "properties": {}}}}},
                 "responses": answers(201, "The reply.", "Message", 403, 404, 400, 413, 422)},
    },
}
