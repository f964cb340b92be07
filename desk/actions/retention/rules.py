"""The retention rules' form: checked, saved (audited), and the job scheduled."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.actions.jobs import enqueue
from desk.db import commit
from desk.i18n import _
from desk.models import RetentionKind, RetentionRule
from desk.models.base import now
from desk.queries.retention import JOB, next_run, retention_days

MAX_DAYS = 36_500
# The first run after a rule is set waits this long: time to notice a wrong number.
FIRST_RUN_DELAY = timedelta(hours=1)


class RetentionError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def read_rules(values: dict[str, str]) -> dict[str, int | None]:
    """The form's days per kind (empty: off). Raises RetentionError naming the fields."""
    days: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for kind in RetentionKind:
        raw = values.get(kind.value, "").strip()
        if not raw:
            days[kind.value] = None
        elif not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
            errors[kind.value] = _("A whole number of days from 1 to 36500, or empty for never.")
        else:
            days[kind.value] = int(raw)
    if errors:
        raise RetentionError(errors)
    return days


def save_rules(session: Session, actor: Actor, days: dict[str, int | None]) -> None:
    """Save the rules (audited when they change) and make sure the job is scheduled while
    any rule is on; commits."""
    before = retention_days(session)
    changed = {kind: [before[kind], days.get(kind)] for kind in before if before[kind] != days.get(kind)}
    for kind, (_old, new) in changed.items():
        row = session.get(RetentionRule, kind) or RetentionRule(kind=kind)
        row.days, row.updated_at, row.updated_by_id = new, now(), actor.id
        session.add(row)
    if changed:
        record(session, actor, "retention", 0, "rules_changed", changed)
    if any(v is not None for v in days.values()) and next_run(session) is None:
        enqueue(session, JOB, run_at=now() + FIRST_RUN_DELAY)
    commit(session)
