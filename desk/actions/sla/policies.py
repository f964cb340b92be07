"""Writing SLA policies: each checked (a time zone that exists, a country the holidays
package knows, hours that make sense, targets in hours, a warning time, an escalation to an
agent and team that exist) and recorded with who and when."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, update

from desk.actions.audit import Actor, record
from desk.db import commit
from desk.i18n import _
from desk.models import Priority, SlaPolicy, Team, User

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
MAX_HOURS = 24 * 365  # a target of at most a year of business hours
TARGET_KINDS = ("first_response", "next_response", "resolution")
MAX_WARN_MINUTES = 7 * 24 * 60


@dataclass
class PolicyError(ValueError):
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicyInput:
    name: str
    is_default: bool
    zone: str
    country: str
    hours: list[list[list[int]]]
    closed: list[str]
    targets: dict[str, dict[str, float]]
    warn_minutes: int = 30
    escalate_notify: bool = True
    escalate_raise: bool = False
    escalate_agent_id: int | None = None
    escalate_team_id: int | None = None


def read_policy(form: Mapping[str, str]) -> PolicyInput:
    """The policy a form describes (fields: name, default, zone, country, mon..sun as
    "09:00-18:00[, 13:00-17:00]", closed one date per line, first_response_<priority>,
    next_response_<priority> and resolution_<priority> in hours, warn_minutes, the
    escalation's notify/raise checkboxes and agent/team ids); PolicyError naming each field
    that is wrong (an agent or team that does not exist is checked when saved)."""
    errors: dict[str, str] = {}
    name = form.get("name", "").strip()
    if not name or len(name) > 200:
        errors["name"] = _("A policy needs a name of at most 200 characters.")
    zone = form.get("zone", "").strip() or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["zone"] = _("Not a time zone (for example Asia/Shanghai or Europe/Berlin).")
    country = form.get("country", "").strip().upper()
    if country:
        import holidays  # noqa: PLC0415 - only when a country is named

        if country not in holidays.list_supported_countries():
            errors["country"] = _("The holidays of this country are not known (use a code such as CN or DE).")
    hours: list[list[list[int]]] = []
    for day in DAYS:
        spans: list[list[int]] = []
        for part in filter(None, (p.strip() for p in form.get(day, "").split(","))):
            found = _SPAN.match(part)
            start = int(found.group(1)) * 60 + int(found.group(2)) if found else -1
            end = int(found.group(3)) * 60 + int(found.group(4)) if found else -1
            if not found or not 0 <= start < end <= 24 * 60:
                errors[day] = _("Hours as 09:00-18:00, several separated by commas; empty when closed.")
                break
            spans.append([start, end])
        hours.append(sorted(spans))
    closed: list[str] = []
    for line in filter(None, (p.strip() for p in form.get("closed", "").splitlines())):
        try:
            closed.append(date.fromisoformat(line).isoformat())
        except ValueError:
            errors["closed"] = _("One date per line, as 2026-12-24.")
            break
    targets: dict[str, dict[str, float]] = {kind: {} for kind in TARGET_KINDS}
    for kind in targets:
        for priority in Priority:
            raw = form.get(f"{kind}_{priority}", "").strip()
            if not raw:
                continue
            try:
                value = float(raw)
            except ValueError:
                value = -1
            if not 0 < value <= MAX_HOURS:
                errors[f"{kind}_{priority}"] = _("Hours, more than 0.")
                continue
            targets[kind][str(priority)] = round(value * 60, 2)
    if not any(hours):
        errors["mon"] = _("The desk must work at some time of the week.")
    warn = _whole(form.get("warn_minutes", "").strip() or "0", MAX_WARN_MINUTES)
    if warn is None:
        errors["warn_minutes"] = _("Minutes, a whole number from 0 (no warning) to 10080.")
    agent_id, team_id = (_whole(form.get(f, "").strip() or "0", 2**31 - 1)
                         for f in ("escalate_agent_id", "escalate_team_id"))
    if agent_id is None:
        errors["escalate_agent_id"] = _("There is no such active agent.")
    if team_id is None:
        errors["escalate_team_id"] = _("There is no such team.")
    if errors:
        raise PolicyError(errors)
    return PolicyInput(name, form.get("default") == "on", zone, country, hours, closed, targets,
                       warn_minutes=warn or 0, escalate_notify=form.get("escalate_notify") == "on",
                       escalate_raise=form.get("escalate_raise") == "on",
                       escalate_agent_id=agent_id or None, escalate_team_id=team_id or None)


def _whole(raw: str, most: int) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) <= most else None


def _check_escalation(session: Session, data: PolicyInput) -> None:
    errors: dict[str, str] = {}
    if data.escalate_agent_id is not None:
        agent = session.get(User, data.escalate_agent_id)
        if agent is None or not agent.is_active:
            errors["escalate_agent_id"] = _("There is no such active agent.")
    if data.escalate_team_id is not None and session.get(Team, data.escalate_team_id) is None:
        errors["escalate_team_id"] = _("There is no such team.")
    if errors:
        raise PolicyError(errors)


def save_policy(session: Session, actor: Actor, policy: SlaPolicy | None, data: PolicyInput) -> SlaPolicy:
    """Create or change a policy; the one marked default becomes the only default. Raises
    PolicyError for an escalation to an agent or team that does not exist."""
    _check_escalation(session, data)
    before = _snapshot(policy) if policy is not None else None
    row = policy or SlaPolicy(name=data.name)
    row.name, row.is_default, row.zone, row.country = data.name, data.is_default, data.zone, data.country
    row.hours = json.dumps(data.hours)
    row.closed = json.dumps(data.closed)
    row.targets = json.dumps(data.targets)
    row.warn_minutes, row.escalate_notify, row.escalate_raise = (
        data.warn_minutes, data.escalate_notify, data.escalate_raise)
    row.escalate_agent_id, row.escalate_team_id = data.escalate_agent_id, data.escalate_team_id
    session.add(row)
    session.flush()
    assert row.id is not None
    if data.is_default:
        session.connection().execute(update(SlaPolicy).where(col(SlaPolicy.id) != row.id)
                                     .values(is_default=False))
    record(session, actor, "sla_policy", row.id, "created" if before is None else "updated",
           {"policy": [before, _snapshot(row)]})
    commit(session)
    return row


def _snapshot(policy: SlaPolicy) -> dict[str, Any]:
    return {"name": policy.name, "default": policy.is_default, "zone": policy.zone,
            "country": policy.country, "hours": json.loads(policy.hours or "[]"),
            "closed": json.loads(policy.closed or "[]"), "targets": json.loads(policy.targets or "{}"),
            "warn_minutes": policy.warn_minutes, "escalate": {
                "notify": policy.escalate_notify, "raise": policy.escalate_raise,
                "agent": policy.escalate_agent_id, "team": policy.escalate_team_id}}


def form_values(policy: SlaPolicy) -> dict[str, str]:
    """A policy as its form's fields."""
    values = {"name": policy.name, "default": "on" if policy.is_default else "", "zone": policy.zone,
              "country": policy.country, "closed": "\n".join(json.loads(policy.closed or "[]")),
              "warn_minutes": str(policy.warn_minutes),
              "escalate_notify": "on" if policy.escalate_notify else "",
              "escalate_raise": "on" if policy.escalate_raise else "",
              "escalate_agent_id": str(policy.escalate_agent_id or ""),
              "escalate_team_id": str(policy.escalate_team_id or "")}
    hours = json.loads(policy.hours or "[]") or [[[540, 1080]]] * 5 + [[], []]
    for day, spans in zip(DAYS, hours, strict=False):
        values[day] = ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in spans)
    for kind, by_priority in json.loads(policy.targets or "{}").items():
        for priority, minutes in by_priority.items():
            values[f"{kind}_{priority}"] = f"{minutes / 60:g}"
    return values
