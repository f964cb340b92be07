"""The routing rules' part of the OpenAPI document."""

from __future__ import annotations

from desk.actions.rules.definition import (
    ACTIONS,
    EVENTS,
    FIELDS,
    RATING_OPS,
    STRATEGIES,
    TAG_OPS,
    TEXT_OPS,
    TIME_OPS,
)
from desk.web.api.openapi_schema import ID, JSON, WRITE_ERRORS, answers, body, obj, ref

OPS = list(dict.fromkeys([*TEXT_OPS, *TAG_OPS, *TIME_OPS, *RATING_OPS]))
CONDITION = obj({
    "field": {"type": "string", "enum": list(FIELDS)},
    "op": {"type": "string", "enum": OPS,
           "description": "Text fields (subject, body, sender, sender_domain, organization): "
                          "contains, not_contains, any_words, regex, is, is_not; tags: has, "
                          "has_not; time (pending_for, unassigned_for, no_agent_reply_for, only "
                          "in a rule whose events are [\"scheduled\"], at the top of an all "
                          "group): at_least; rating (1 to 5, only in a rule on [\"survey_answered\"]): "
                          "is, at_most, at_least; business_hours: is, with the value yes or no "
                          "(whether the event happens within the business hours of the ticket's "
                          "SLA policy, or the default policy's; a dry run takes the time each "
                          "ticket was created); the others: is, is_not. Text is compared ignoring "
                          "case and full/half width."},
    "value": {"type": "string", "maxLength": 1000,
              "description": "For team and assignee their id; for business_hours yes or no; for "
                             "time a number and m, h or d (30m, 4h, 3d); a regular expression "
                             "that takes too long on long text is refused."},
}, required=("field", "op"))
EVENTS_SCHEMA: JSON = {
    "type": "array", "items": {"type": "string", "enum": list(EVENTS)},
    "description": "When the rule runs: ticket_created, customer_replied, ticket_updated (also "
                   "after another rule's change; a rule fires once per chain of changes, and a "
                   "loop stops with the reason in the ticket's history), agent_replied, "
                   "chat_started, survey_answered; or scheduled alone (the pass every minute, "
                   "with time conditions; once per ticket until the ticket changes)."}
SCHEMAS: JSON = {
    "RuleCondition": CONDITION,
    "RuleInnerGroup": obj({
        "match": {"type": "string", "enum": ["all", "any"]},
        "items": {"type": "array", "maxItems": 20, "items": ref("RuleCondition")},
    }, required=()),
    "RuleGroup": obj({
        "match": {"type": "string", "enum": ["all", "any"]},
        "items": {"type": "array", "maxItems": 20,
                  "items": {"oneOf": [ref("RuleCondition"), ref("RuleInnerGroup")]}},
    }, required=()),
    "RuleAction": obj({
        "type": {"type": "string", "enum": list(ACTIONS)},
        "value": {"description": "set_team: a team id; set_priority / set_status: the value; "
                                 "add_tags: a list of tags; assign: an agent id or one of "
                                 + ", ".join(STRATEGIES) + ", or {by_skill: [skills]} (in turn "
                                 "among the team's agents with all of them); reply: {en, zh, "
                                 "articles} (the "
                                 "template in each language, placeholders as in macros; articles: "
                                 "add the knowledge-base articles that match the subject); notify: "
                                 "{to: assignee, team or an agent id, by: in_app or email, note}; "
                                 "stop: none.",
                  "oneOf": [ID, {"type": "string"}, {"type": "array", "items": {"type": "string"}},
                            {"type": "object"}, {"type": "null"}]},
    }, required=("type",)),
    "Rule": obj({
        "id": ID,
        "name": {"type": "string"},
        "enabled": {"type": "boolean"},
        "position": {"type": "integer", "description": "Rules run in this order, lowest first."},
        "events": EVENTS_SCHEMA,
        "conditions": ref("RuleGroup"),
        "actions": {"type": "array", "items": ref("RuleAction")},
    }),
    "RuleInput": obj({
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "enabled": {"type": "boolean", "default": True},
        "position": {"type": "integer", "minimum": 1, "maximum": 10000},
        "events": {**EVENTS_SCHEMA, "minItems": 1},
        "conditions": ref("RuleGroup"),
        "actions": {"type": "array", "minItems": 1, "maxItems": 10, "items": ref("RuleAction")},
    }, required=("name", "actions")),
    "RulePatch": obj({
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "enabled": {"type": "boolean"},
        "position": {"type": "integer", "minimum": 1, "maximum": 10000},
        "events": {**EVENTS_SCHEMA, "minItems": 1},
        "conditions": ref("RuleGroup"),
        "actions": {"type": "array", "minItems": 1, "maxItems": 10, "items": ref("RuleAction")},
    }, required=()),
    "RuleList": obj({"rules": {"type": "array", "items": ref("Rule")}}),
}
RESPONSES: JSON = {}
RULE_ID = {"name": "rule_id", "in": "path", "required": True, "schema": ID,
           "description": "The rule's id."}
PATHS: JSON = {
    "/rules": {
        "get": {"operationId": "listRules", "summary": "Routing rules in the order they run "
                                                       "(admins and supervisors)",
                "responses": answers(200, "Every rule.", "RuleList", 403)},
        "post": {"operationId": "createRule",
                 "summary": "Write a rule; one that could not run (a bad regular expression, a "
                            "team or agent that does not exist) is refused with the reason per field",
                 "requestBody": body("RuleInput"),
                 "responses": answers(201, "The new rule (last, or at `position`).", "Rule", 403,
                                      *WRITE_ERRORS)},
    },
    "/rules/{rule_id}": {
        "parameters": [RULE_ID],
        "get": {"operationId": "getRule", "summary": "One rule",
                "responses": answers(200, "The rule.", "Rule", 403, 404)},
        "patch": {"operationId": "changeRule",
                  "summary": "Change some of a rule's fields, switch it, or move it",
                  "requestBody": body("RulePatch"),
                  "responses": answers(200, "The rule as it is now.", "Rule", 403, 404,
                                       *WRITE_ERRORS)},
        "delete": {"operationId": "deleteRule", "summary": "Delete a rule",
                   "responses": {"204": {"description": "Deleted."},
                                 **{k: v for k, v in answers(204, "", "Rule", 403, 404).items()
                                    if k != "204"}}},
    },
}
