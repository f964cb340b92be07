"""The customers' and organisations' part of the OpenAPI document."""

from __future__ import annotations

from desk.actions.customers.records import LOCALES, MAX_IDENTITIES, MAX_TAG_LENGTH, MAX_TAGS
from desk.web.api.customers import MAX_CUSTOMER_PAGE, MAX_QUERY, SORTS, SOURCES, TIERS
from desk.web.api.inputs import MAX_PER_PAGE
from desk.web.api.openapi_schema import (
    DATE_TIME,
    ID,
    JSON,
    WRITE_ERRORS,
    answers,
    body,
    nullable,
    obj,
    query,
    ref,
)

STRINGS: JSON = {"type": "array", "items": {"type": "string"}}
IDENTITIES: JSON = {"type": "array", "maxItems": MAX_IDENTITIES, "items": {"type": "string"}}
TIER: JSON = {"type": "string", "enum": list(TIERS)}
FIELDS: JSON = {"type": "object", "additionalProperties": {"type": ["string", "number"]},
                "description": "Values of the custom fields admins defined, by key: text, "
                               "number, date (YYYY-MM-DD) or one of a choice field's choices."}
CUSTOMER_PROPERTIES: JSON = {
    "id": ID, "name": {"type": "string"},
    "email": {"type": "string", "description": "The primary address: the first of `emails`."},
    "emails": STRINGS, "phones": {**STRINGS, "description": "As +digits."},
    "web_ids": {**STRINGS, "description": "Ids a web application knows the customer by."},
    "api_ids": {**STRINGS, "description": "Ids an integration knows the customer by."},
    "organization": nullable(ref("OrganizationRef")), "tier": TIER,
    "source": {"type": "string", "enum": list(SOURCES)},
    "locale": {"type": "string", "enum": list(LOCALES)},
    "owner": nullable(ref("CustomerOwner")), "tags": STRINGS, "fields": FIELDS,
    "reviewed_at": nullable(DATE_TIME), "created_at": DATE_TIME, "updated_at": DATE_TIME,
    "ticket_count": {"type": "integer", "minimum": 0,
                     "description": "The customer's tickets the token's user may see."},
    "open_ticket_count": {"type": "integer", "minimum": 0},
}
WRITABLE: JSON = {
    "name": {"type": "string", "maxLength": 200},
    "emails": {**IDENTITIES, "description": "Every address; the first is the primary one. An "
                                            "address of another customer is 409."},
    "phones": IDENTITIES, "web_ids": IDENTITIES, "api_ids": IDENTITIES,
    "organization_id": nullable(ID), "tier": TIER, "owner_id": nullable(ID),
    "tags": {"type": "array", "maxItems": MAX_TAGS,
             "items": {"type": "string", "maxLength": MAX_TAG_LENGTH},
             "description": "The complete new list (lower-cased)."},
    "fields": {**FIELDS, "additionalProperties": {"type": ["string", "number", "null"]},
               "description": "Merged into the record's values; null or \"\" removes one. A "
                              "value of the wrong type is 422 naming `fields.<key>`."},
    "locale": {"type": "string", "enum": list(LOCALES)},
}
SCHEMAS: JSON = {
    "OrganizationRef": obj({"id": ID, "name": {"type": "string"}}),
    "CustomerOwner": obj({"id": ID, "name": {"type": "string"}, "email": {"type": "string"}}),
    "Customer": obj(CUSTOMER_PROPERTIES),
    "CustomerSummary": obj({
        **{k: CUSTOMER_PROPERTIES[k] for k in ("id", "name", "email", "organization", "tier",
                                               "source", "tags", "created_at", "updated_at")},
        "owner_id": nullable(ID)}),
    "CustomerPage": obj({
        "customers": {"type": "array", "items": ref("CustomerSummary")},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "has_next": {"type": "boolean"}}),
    "NewCustomer": obj({
        **WRITABLE,
        "email": {"type": "string", "description": "Shorthand for `emails: [email]` (not with "
                                                   "`emails`)."}},
        required=("name",)),
    "CustomerChanges": obj(WRITABLE, required=()),
    "CustomerMergeRequest": obj({"other_id": {
        **ID, "description": "The record merged into this one (it is hidden afterwards; its "
                             "id answers 404 with `merged_into`)."}}),
    "CustomerMergeResult": obj({"customer": ref("Customer"), "merge_id": {
        **ID, "description": "For POST /customers/merges/{merge_id}/undo."}}),
    "CustomerMergeUndone": obj({"customer": ref("Customer"), "restored": ref("Customer")}),
    "CustomerNotFound": obj({
        "error": {"type": "string"},
        "merged_into": {**ID, "description": "The live record this one was merged into."}},
        required=("error",)),
    "CustomerConflict": obj({
        "error": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "The field at fault (emails, phones, other_id...) and why."},
        "customer_id": {**ID, "description": "The customer who already has the address, "
                                              "phone or id."},
        "merged_into": {**ID, "description": "Where the other record was merged already."}},
        required=("error", "fields")),
    "Organization": obj({
        "id": ID, "name": {"type": "string"}, "domain": {"type": ["string", "null"]},
        "tier": TIER, "auto_join": {"type": "boolean", "description": "New customers with an "
                                                                      "address at `domain` join."},
        "portal_shared": {"type": "boolean", "description": "Its contacts see each other's "
                                                            "requests in the customer portal."},
        "member_count": {"type": "integer", "minimum": 0},
        "open_ticket_count": {"type": "integer", "minimum": 0}}),
    "OrganizationPage": obj({
        "organizations": {"type": "array", "items": ref("Organization")},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "has_next": {"type": "boolean"}}),
}
RESPONSES: JSON = {
    "CustomerNotFound": {
        "description": "No such customer. A record merged away is 404 too, with `merged_into`: "
                       "the live record to use instead.",
        "content": {"application/json": {"schema": ref("CustomerNotFound")}}},
    "CustomerConflict": {
        "description": "An email, phone or id belongs to another customer (`customer_id`), or "
                       "a record cannot be merged (already merged: `merged_into`; anonymised). "
                       "Nothing was changed.",
        "content": {"application/json": {"schema": ref("CustomerConflict")}}},
    "MergeNotFound": {"description": "No such merge.",
                      "content": {"application/json": {"schema": ref("Error")}}},
}


def _answers(ok: int, description: str, schema: str, *errors: int) -> JSON:
    """Like ``answers``, with the customers' own 404 and 409."""
    out = answers(ok, description, schema, *(e for e in errors if e != 409))
    if "404" in out:
        out["404"] = {"$ref": "#/components/responses/CustomerNotFound"}
    if 409 in errors:
        out["409"] = {"$ref": "#/components/responses/CustomerConflict"}
    return out


def _page(maximum: int) -> list[JSON]:
    return [query("page", {"type": "integer", "minimum": 1, "maximum": maximum, "default": 1},
                  "The page, from 1."),
            query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                               "default": 50}, "Rows per page.")]


CUSTOMER_ID = {"name": "customer_id", "in": "path", "required": True, "schema": ID,
               "description": "The customer's id."}
LIST_PARAMETERS = [
    query("q", {"type": "string", "maxLength": MAX_QUERY},
          "Words that start a name, email, phone or organisation; Chinese and phone fragments "
          "match anywhere in their part. Every word must match."),
    query("tier", TIER, "Only customers of this tier."),
    query("source", {"type": "string", "enum": list(SOURCES)}, "Only customers that came this way."),
    query("tag", {"type": "string", "maxLength": MAX_TAG_LENGTH}, "Only customers with this tag."),
    query("organization_id", ID, "Only members of this organisation."),
    query("owner_id", ID, "Only customers this agent owns."),
    query("sort", {"type": "string", "enum": list(SORTS)},
          "relevance (the default with `q`) or newest (the default without)."),
    *_page(MAX_CUSTOMER_PAGE),
]
PATHS: JSON = {
    "/customers": {
        "get": {"operationId": "listCustomers", "summary": "Find customers",
                "parameters": LIST_PARAMETERS,
                "responses": _answers(200, "A page of customers.", "CustomerPage", 422)},
        "post": {"operationId": "createCustomer", "summary": "Add a customer (source api)",
                 "requestBody": body("NewCustomer"),
                 "responses": _answers(201, "The new customer.", "Customer", *WRITE_ERRORS,
                                       409)},
    },
    "/customers/{customer_id}": {
        "parameters": [CUSTOMER_ID],
        "get": {"operationId": "getCustomer", "summary": "A customer's record",
                "responses": _answers(200, "The customer.", "Customer", 404)},
        "patch": {"operationId": "updateCustomer",
                  "summary": "Change a customer; all or nothing",
                  "requestBody": body("CustomerChanges"),
                  "responses": _answers(200, "The changed customer.", "Customer", 404,
                                        *WRITE_ERRORS, 409)},
    },
    "/customers/{customer_id}/merge": {
        "parameters": [CUSTOMER_ID],
        "post": {"operationId": "mergeCustomer",
                 "summary": "Merge another record into this one, which survives",
                 "requestBody": body("CustomerMergeRequest"),
                 "responses": _answers(200, "The surviving customer and the merge.",
                                       "CustomerMergeResult", 404, *WRITE_ERRORS, 409)},
    },
    "/customers/merges/{merge_id}/undo": {
        "parameters": [{"name": "merge_id", "in": "path", "required": True, "schema": ID,
                        "description": "A merge's `merge_id`."}],
        "post": {"operationId": "undoCustomerMerge",
                 "summary": "Undo a merge: the merged record comes back with what it brought",
                 "requestBody": {"required": False, "content": {"application/json": {
                     "schema": {"type": "object"}}}},
                 "responses": {**_answers(200, "Both records.", "CustomerMergeUndone", 409),
                               "404": {"$ref": "#/components/responses/MergeNotFound"}}},
    },
    "/organizations": {
        "get": {"operationId": "listOrganizations", "summary": "Organisations by name",
                "parameters": [query("q", {"type": "string", "maxLength": MAX_QUERY},
                                     "Part of the name or the domain, any case."),
                               *_page(MAX_CUSTOMER_PAGE)],
                "responses": _answers(200, "A page of organisations.", "OrganizationPage", 422)},
    },
}
PATHS["/customers"]["post"]["responses"]["201"]["headers"] = {
    "Location": {"schema": {"type": "string", "format": "uri"},
                 "description": "The new customer's address."}}
