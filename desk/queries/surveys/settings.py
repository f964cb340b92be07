"""The survey settings an admin sets on /admin/surveys, read from the `desksetting` table;
what is not stored there is the environment's default (DESK_SURVEY_*)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session

from desk.models import RATINGS, DeskSetting
from desk.settings import Settings

KEY = "surveys"
SCALES = (5, 3)
# The 3-point scale's answers sit on the 5-point scale (unhappy 1, neutral 3, happy 5), so
# every report reads one scale and CSAT (4 and 5) means "happy" on both.
THREE_POINT = (1, 3, 5)


@dataclass(frozen=True)
class SurveySettings:
    delay_minutes: int
    scale: int  # 5 or 3
    low_rating: int  # an answer this low or lower is low (0: none is)
    low_reopens: bool  # a low answer reopens the ticket
    low_notifies: bool  # a low answer notifies the agent and the supervisors
    rule_solves: bool = True  # a ticket a routing rule solves gets a survey too

    @property
    def ratings(self) -> tuple[int, ...]:
        return THREE_POINT if self.scale == 3 else RATINGS


def defaults(settings: Settings) -> SurveySettings:
    return SurveySettings(delay_minutes=settings.survey_delay_minutes, scale=5,
                          low_rating=settings.survey_low_rating, low_reopens=False,
                          low_notifies=True, rule_solves=True)


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def survey_settings(session: Session, settings: Settings) -> SurveySettings:
    base = defaults(settings)
    row = session.get(DeskSetting, KEY)
    if row is None:
        return base
    try:
        stored = json.loads(row.value)
    except ValueError:
        return base
    if not isinstance(stored, dict):
        return base
    scale = _int(stored.get("scale"), base.scale)
    return SurveySettings(
        delay_minutes=_int(stored.get("delay_minutes"), base.delay_minutes),
        scale=scale if scale in SCALES else base.scale,
        low_rating=_int(stored.get("low_rating"), base.low_rating),
        low_reopens=bool(stored.get("low_reopens", base.low_reopens)),
        low_notifies=bool(stored.get("low_notifies", base.low_notifies)),
        rule_solves=bool(stored.get("rule_solves", base.rule_solves)),
    )
