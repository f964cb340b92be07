"""An admin's survey settings: checked (each refusal names its field), stored as one
`desksetting` row and audited."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict

from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.db import committed
from desk.models import DeskSetting
from desk.models.base import now
from desk.queries.surveys.settings import KEY, SCALES, SurveySettings

MAX_DELAY_MINUTES = 7 * 24 * 60


class SurveySettingsError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def _number(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 6):
        return None
    value = int(text)
    return value if low <= value <= high else None


def read_survey_settings(form: Mapping[str, str]) -> SurveySettings:
    """The form's values, or SurveySettingsError with the reason per field."""
    errors: dict[str, str] = {}
    delay = _number(form.get("delay_minutes", ""), 0, MAX_DELAY_MINUTES)
    if delay is None:
        errors["delay_minutes"] = "delay"
    scale = _number(form.get("scale", ""), 3, 5)
    if scale not in SCALES:
        errors["scale"] = "scale"
    low = _number(form.get("low_rating", ""), 0, 4)
    if low is None:
        errors["low_rating"] = "low_rating"
    if errors:
        raise SurveySettingsError(errors)
    assert delay is not None and scale is not None and low is not None
    return SurveySettings(delay_minutes=delay, scale=scale, low_rating=low,
                          low_reopens=form.get("low_reopens") == "1",
                          low_notifies=form.get("low_notifies") == "1",
                          rule_solves=form.get("rule_solves") == "1")


def save_survey_settings(session: Session, actor: Actor, before: SurveySettings,
                         after: SurveySettings) -> None:
    """Store the settings (committed); the audit log keeps what changed."""
    changes = {name: [value, getattr(after, name)] for name, value in asdict(before).items()
               if getattr(after, name) != value}
    with committed(session):
        row = session.get(DeskSetting, KEY) or DeskSetting(key=KEY)
        row.value = json.dumps(asdict(after))
        row.updated_by_id = actor.id if actor.type in ("user", "api") else None
        row.updated_at = now()
        session.add(row)
        if changes:
            record(session, actor, "settings", 0, "updated", {"surveys": changes})
