"""The webhooks' part of the OpenAPI document."""

from __future__ import annotations

from desk.models.webhooks import WEBHOOK_EVENTS, WebhookEvent
from desk.web.api.openapi_schema import DATE_TIME, ID, JSON, WRITE_ERRORS, answers, body, nullable, obj, query

EVENT = {"type": "string", "enum": list(WEBHOOK_EVENTS)}
URL = {"type": "string", "minLength": 1, "maxLength": 2000,
       "description": "http:// or https://. Refused (422, `refused_private`) when its host is or "
                      "resolves to a loopback, private, link-local, shared (CGNAT), multicast or "
                      "reserved address, unless `allow_private`; judged again at each delivery."}
WEBHOOK_PROPERTIES: JSON = {
    "id": ID,
    "name": {"type": "string"},
    "url": {"type": "string"},
    "events": {"type": "array", "items": EVENT},
    "active": {"type": "boolean", "description": "Off: nothing is sent, not even what waits."},
    "allow_private": {"type": "boolean"},
    "created_at": DATE_TIME,
    "updated_at": DATE_TIME,
}
SECRET = {"type": "string", "description": "The signing secret, shown only in this answer: "
                                           "X-Desk-Signature is sha256=<hex HMAC-SHA256 of "
                                           "\"<X-Desk-Timestamp>.<body>\"> with it."}
SCHEMAS: JSON = {
    "Webhook": obj(WEBHOOK_PROPERTIES),
    "WebhookWithSecret": obj({**WEBHOOK_PROPERTIES, "secret": SECRET},
                             required=(*WEBHOOK_PROPERTIES, )),
    "WebhookList": obj({"webhooks": {"type": "array", "items": {"$ref": "#/components/schemas/Webhook"}}}),
    "WebhookInput": obj({
        "name": {"type": "string", "maxLength": 200},
        "url": URL,
        "events": {"type": "array", "minItems": 1, "uniqueItems": True, "items": EVENT},
        "active": {"type": "boolean", "default": True},
        "allow_private": {"type": "boolean", "default": False},
    }, required=("url", "events")),
    "WebhookPatch": obj({
        "name": {"type": "string", "maxLength": 200},
        "url": URL,
        "events": {"type": "array", "minItems": 1, "uniqueItems": True, "items": EVENT},
        "active": {"type": "boolean"},
        "allow_private": {"type": "boolean"},
        "rotate_secret": {"type": "boolean", "description": "true: a new secret, in the answer."},
    }, required=()),
    "WebhookDelivery": obj({
        "id": ID,
        "event": {"type": "string", "enum": [*WEBHOOK_EVENTS, WebhookEvent.test]},
        "status": {"type": "string", "enum": ["pending", "delivered", "failed"]},
        "attempts": {"type": "integer", "minimum": 0},
        "response_code": {"type": ["integer", "null"],
                          "description": "The receiver's last HTTP status; null: no answer."},
        "response_excerpt": {"type": "string", "description": "The start of the last answer, or "
                                                              "why there was none."},
        "created_at": DATE_TIME,
        "next_attempt_at": nullable(DATE_TIME),
        "delivered_at": nullable(DATE_TIME),
        "resent_from": nullable(ID),
        "payload": {"type": "object", "description": "The JSON body as sent."},
    }),
    "WebhookDeliveryPage": obj({
        "deliveries": {"type": "array", "items": {"$ref": "#/components/schemas/WebhookDelivery"}},
        "next_cursor": {**nullable(ID), "description": "Pass as `cursor` for older deliveries."},
    }),
}
RESPONSES: JSON = {}
NO_BODY: JSON = {"required": False, "content": {"application/json": {"schema": {
    "type": "object", "additionalProperties": False, "properties": {}}}}}
WEBHOOK_ID = {"name": "webhook_id", "in": "path", "required": True, "schema": ID,
              "description": "The webhook's id."}
DELIVERY_ID = {"name": "delivery_id", "in": "path", "required": True, "schema": ID,
               "description": "The delivery's id."}
PATHS: JSON = {
    "/webhooks": {
        "get": {"operationId": "listWebhooks", "summary": "Every webhook (admins)",
                "responses": answers(200, "The webhooks.", "WebhookList", 403)},
        "post": {"operationId": "createWebhook",
                 "summary": "Subscribe a URL to events; the answer carries the signing secret, once",
                 "requestBody": body("WebhookInput"),
                 "responses": answers(201, "The new webhook and its secret.", "WebhookWithSecret",
                                      403, *WRITE_ERRORS)},
    },
    "/webhooks/{webhook_id}": {
        "parameters": [WEBHOOK_ID],
        "get": {"operationId": "getWebhook", "summary": "One webhook",
                "responses": answers(200, "The webhook.", "Webhook", 403, 404)},
        "patch": {"operationId": "changeWebhook",
                  "summary": "Change some of a webhook's fields, switch it off, or rotate its secret",
                  "requestBody": body("WebhookPatch"),
                  "responses": answers(200, "The webhook as it is now (with `secret` when rotated).",
                                       "WebhookWithSecret", 403, 404, *WRITE_ERRORS)},
        "delete": {"operationId": "deleteWebhook", "summary": "Delete a webhook and its delivery log",
                   "responses": {"204": {"description": "Deleted."},
                                 **{k: v for k, v in answers(204, "", "Webhook", 403, 404).items()
                                    if k != "204"}}},
    },
    "/webhooks/{webhook_id}/deliveries": {
        "parameters": [WEBHOOK_ID],
        "get": {"operationId": "listWebhookDeliveries",
                "summary": "The webhook's deliveries, newest first",
                "parameters": [
                    query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                          "How many (at most 100)."),
                    query("cursor", ID, "A page's `next_cursor`: the next, older page."),
                ],
                "responses": answers(200, "A page of deliveries.", "WebhookDeliveryPage", 403, 404, 422)},
    },
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/resend": {
        "parameters": [WEBHOOK_ID, DELIVERY_ID],
        "post": {"operationId": "resendWebhookDelivery",
                 "summary": "Send a delivery's payload again, as a new delivery",
                 "requestBody": NO_BODY,
                 "responses": answers(202, "The new delivery, queued.", "WebhookDelivery", 403, 404,
                                      *WRITE_ERRORS)},
    },
    "/webhooks/{webhook_id}/test": {
        "parameters": [WEBHOOK_ID],
        "post": {"operationId": "testWebhook", "summary": "Queue a `webhook.test` event to this webhook",
                 "requestBody": NO_BODY,
                 "responses": answers(202, "The test delivery, queued.", "WebhookDelivery", 403, 404,
                                      *WRITE_ERRORS)},
    },
}
