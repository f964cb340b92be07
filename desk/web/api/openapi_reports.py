"""The reports' part of the OpenAPI document."""

from __future__ import annotations

from desk.queries.reports.service import BACKLOG_AGES, SERVICE_GROUPS
from desk.web.api.openapi_schema import DATE_TIME, ID, JSON, answers, nullable, obj, query, ref
from desk.web.api.reports import CSAT_GROUPS
from desk.web.reports.filters import DEFAULT_DAYS, MAX_SPAN_DAYS, PERIODS

SHARE = {"type": ["number", "null"], "minimum": 0, "maximum": 1,
         "description": "A share from 0 to 1; null without data."}
FIGURES: JSON = {
    "answers": {"type": "integer", "minimum": 0, "description": "Answers given in the period."},
    "csat": {**SHARE, "description": "Share of the answers rated 4 or 5; null without answers."},
    "average": {"type": ["number", "null"], "minimum": 1, "maximum": 5,
                "description": "Average rating, 1 to 5; null without answers."},
    "surveys_sent": {"type": "integer", "minimum": 0,
                     "description": "Surveys sent in the period."},
    "response_rate": {**SHARE, "description": "Share of the surveys sent in the period that "
                                              "have an answer; null when none was sent."},
}
GROUP_ROW = obj(required=("key", "label", "answers", "csat", "average"), properties={
    "key": {"type": ["integer", "string", "null"],
            "description": "The agent's, team's or organisation's id (null: none), the channel "
                           "or tier, or the first day of a day, week or month."},
    "label": {"type": "string",
              "description": "The agent's, team's or organisation's name, or the key."},
    **FIGURES,
})
SCHEMAS: JSON = {
    "SatisfactionGroup": GROUP_ROW,
    "LowAnswer": obj({
        "survey": ID, "ticket": ID, "subject": {"type": "string"},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
        "comment": {"type": "string", "description": "As the customer wrote it: plain text, "
                                                     "never HTML (escape it to show it)."},
        "answered_at": DATE_TIME, "agent": {"type": "string"},
    }),
    "SatisfactionReport": obj({
        "from": DATE_TIME, "to": DATE_TIME,
        "days": {"type": "integer", "enum": list(PERIODS)},
        "team": nullable(ID),
        **FIGURES,
        "distribution": obj({str(r): {"type": "integer", "minimum": 0} for r in range(1, 6)}),
        "by_agent": {"type": "array", "items": ref("SatisfactionGroup")},
        "by_team": {"type": "array", "items": ref("SatisfactionGroup")},
        "by_channel": {"type": "array", "items": ref("SatisfactionGroup")},
        "by_tier": {"type": "array", "items": ref("SatisfactionGroup"),
                    "description": "By the customer's tier when the ticket was solved."},
        "by_organization": {"type": "array", "items": ref("SatisfactionGroup"),
                            "description": "By the customer's organisation when the ticket was "
                                           "solved (key null: none)."},
        "lowest": {"type": "array", "items": ref("LowAnswer"),
                   "description": "The lowest answers below 4, lowest first, at most 20."},
    }),
}
SHARE_OF_SOLVES = {**SHARE, "description": "A share of the solves in the period, 0 to 1."}
TIMES = obj({
    "count": {"type": "integer", "minimum": 0, "description": "Solves with this time."},
    "median_seconds": {"type": ["number", "null"], "minimum": 0},
    "p90_seconds": {"type": ["number", "null"], "minimum": 0,
                    "description": "Read from time bands, exact to within a band; 1209600 "
                                   "means 14 days or more."},
})
COUNTS: JSON = {
    "created": {"type": "integer", "minimum": 0, "description": "Tickets created."},
    "solved": {"type": "integer", "minimum": 0, "description": "Solves."},
    "reopen_rate": {**SHARE_OF_SOLVES, "description": "Share of the solves reopened since."},
    "repeat_contact_rate": {**SHARE_OF_SOLVES, "description": "Share of the solves after which "
                                                              "the customer wrote within 7 days."},
    "sla_met": {**SHARE, "description": "Share of the solves with a resolution target that met it."},
    "answers": {"type": "integer", "minimum": 0, "description": "Survey answers given."},
    "csat": {**SHARE, "description": "Share of those answers rated 4 or 5."},
}
SCHEMAS.update({
    "CsatReport": obj(required=("from", "to", "team", "group_by", "answers", "groups"), properties={
        "from": DATE_TIME, "to": DATE_TIME, "team": nullable(ID),
        "group_by": {"type": "string", "enum": list(CSAT_GROUPS)},
        **FIGURES,
        "groups": {"type": "array", "items": ref("SatisfactionGroup")},
    }),
    "ServiceTimes": TIMES,
    "ServiceReport": obj({
        "from": DATE_TIME, "to": DATE_TIME, "team": nullable(ID),
        "rolled_up_at": {**DATE_TIME, "type": ["string", "null"],
                         "description": "When the daily figures were last made (null: not yet)."},
        **COUNTS,
        "first_response": ref("ServiceTimes"), "resolution": ref("ServiceTimes"),
        "by_channel": {"type": "array", "items": obj({"channel": {"type": "string"}, **COUNTS})},
        "backlog": {"type": "array", "items": obj({
            "age": {"type": "string", "enum": [key for key, _days in BACKLOG_AGES]},
            "open_tickets": {"type": "integer", "minimum": 0}})},
        "by_agent": {"type": "array", "items": obj({
            "agent": nullable(ID), "name": {"type": "string"}, **COUNTS,
            "first_response": ref("ServiceTimes"), "resolution": ref("ServiceTimes")})},
        "group_by": {"type": ["string", "null"], "enum": [*SERVICE_GROUPS, None],
                     "description": "The `group_by` asked for (null: none)."},
        "groups": {"type": "array", "items": ref("ServiceGroup"),
                   "description": "The counters per group (empty without `group_by`): agents, "
                                  "teams and channels most created first; days, weeks and months "
                                  "oldest first, empty ones too."},
    }),
    "ServiceGroup": obj(required=("key", "label", *COUNTS), properties={
        "key": {"type": ["integer", "string", "null"],
                "description": "The agent's or team's id (null: none), the channel, or the first "
                               "day of a day, week or month."},
        "label": {"type": "string", "description": "The agent's or team's name, or the key."},
        **COUNTS,
    }),
})
RANGE = [
    query("days", {"type": "integer", "enum": list(PERIODS), "default": DEFAULT_DAYS},
          "The last 7, 30 or 90 days (unless `from` or `to` is given)."),
    query("from", {"type": "string", "format": "date"},
          f"First day (UTC, counted); with `to`, at most {MAX_SPAN_DAYS} days."),
    query("to", {"type": "string", "format": "date"}, "Last day (UTC, counted); default today."),
    query("team", ID, "Only this team (as the ticket stood when counted); one the caller may see."),
]
SCOPE = ("Agents get their own figures, supervisors their teams', admins all.")
RESPONSES: JSON = {}
PATHS: JSON = {
    "/reports/satisfaction": {"get": {
        "operationId": "satisfactionReport",
        "summary": "Satisfaction survey results",
        "description": "CSAT, average, response rate and answers, overall and by agent, team, "
                       "channel, customer tier and organisation, over the last `days` days, "
                       "optionally of one team. " + SCOPE,
        "parameters": [
            query("days", {"type": "integer", "enum": list(PERIODS), "default": DEFAULT_DAYS},
                  "The period: the last 7, 30 or 90 days."),
            query("team", ID, "Only surveys of this team id (as the ticket stood when solved)."),
        ],
        "responses": answers(200, "The report.", "SatisfactionReport", 403, 422)}},
    "/reports/csat": {"get": {
        "operationId": "csatReport",
        "summary": "CSAT grouped by agent, team, channel, tier, organisation or over time",
        "description": "Answers, CSAT and average per group of the period (`group_by`: day, "
                       "week or month give one group per period, empty ones too). " + SCOPE,
        "parameters": [*RANGE, query("group_by", {"type": "string", "enum": list(CSAT_GROUPS),
                                                  "default": "agent"}, "How to group the answers.")],
        "responses": answers(200, "The groups.", "CsatReport", 422)}},
    "/reports/service": {"get": {
        "operationId": "serviceReport",
        "summary": "Service figures: volume, times, SLA, reopens, repeat contact, backlog",
        "description": "From the daily roll-up (made again every ten minutes while someone "
                       "looks, on a page or here; `rolled_up_at` says when): whole UTC days, so "
                       "the last 7 days are today and the 6 before; the backlog is live. " + SCOPE,
        "parameters": [*RANGE, query("group_by", {"type": "string", "enum": list(SERVICE_GROUPS)},
                                     "Also give the counters per agent, team, channel, day, "
                                     "week or month (`groups`).")],
        "responses": answers(200, "The figures.", "ServiceReport", 422)}},
}
