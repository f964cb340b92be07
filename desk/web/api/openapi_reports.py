"""The reports' part of the OpenAPI document."""

from __future__ import annotations

from desk.web.api.openapi_schema import DATE_TIME, ID, JSON, answers, nullable, obj, query, ref
from desk.web.reports.filters import DEFAULT_DAYS, PERIODS

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
GROUP_ROW = obj({
    "key": {"type": ["integer", "string", "null"],
            "description": "The agent's or team's id (null: none), or the channel or tier."},
    "label": {"type": "string",
              "description": "The agent's or team's name, or the channel or tier."},
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
        "lowest": {"type": "array", "items": ref("LowAnswer"),
                   "description": "The lowest answers below 4, lowest first, at most 20."},
    }),
}
RESPONSES: JSON = {}
PATHS: JSON = {
    "/reports/satisfaction": {"get": {
        "operationId": "satisfactionReport",
        "summary": "Satisfaction survey results (admins and supervisors)",
        "description": "CSAT, average, response rate and answers, overall and by agent, team, "
                       "channel and customer tier, over the last `days` days, optionally of one team.",
        "parameters": [
            query("days", {"type": "integer", "enum": list(PERIODS), "default": DEFAULT_DAYS},
                  "The period: the last 7, 30 or 90 days."),
            query("team", ID, "Only surveys of this team id (as the ticket stood when solved)."),
        ],
        "responses": answers(200, "The report.", "SatisfactionReport", 403, 422)}},
}
