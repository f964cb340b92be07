"""Writing SLA policies: each checked (a time zone that exists, a country the holidays
package knows, hours that make sense, targets in hours) and recorded with who and when."""

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
from desk.models import Priority, SlaPolicy

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
MAX_HOURS = 24 * 365  # a target of at most a year of business hours


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


def read_policy(form: Mapping[str, str]) -> PolicyInput:
    """The policy a form describes (fields: name, default, zone, country, mon..sun as
    "09:00-18:00[, 13:00-17:00]", closed one date per line, first_response_<priority> and
    resolution_<priority> in hours); PolicyError naming each field that is wrong."""
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
    targets: dict[str, dict[str, float]] = {"first_response": {}, "resolution": {}}
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
    if errors:
        raise PolicyError(errors)
    return PolicyInput(name, form.get("default") == "on", zone, country, hours, closed, targets)


def save_policy(session: Session, actor: Actor, policy: SlaPolicy | None, data: PolicyInput) -> SlaPolicy:
    """Create or change a policy; the one marked default becomes the only default."""
    before = _snapshot(policy) if policy is not None else None
    row = policy or SlaPolicy(name=data.name)
    row.name, row.is_default, row.zone, row.country = data.name, data.is_default, data.zone, data.country
    row.hours = json.dumps(data.hours)
    row.closed = json.dumps(data.closed)
    row.targets = json.dumps(data.targets)
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
            "closed": json.loads(policy.closed or "[]"), "targets": json.loads(policy.targets or "{}")}


def form_values(policy: SlaPolicy) -> dict[str, str]:
    """A policy as its form's fields."""
    values = {"name": policy.name, "default": "on" if policy.is_default else "", "zone": policy.zone,
              "country": policy.country, "closed": "\n".join(json.loads(policy.closed or "[]"))}
    hours = json.loads(policy.hours or "[]") or [[[540, 1080]]] * 5 + [[], []]
    for day, spans in zip(DAYS, hours, strict=False):
        values[day] = ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in spans)
    for kind, by_priority in json.loads(policy.targets or "{}").items():
        for priority, minutes in by_priority.items():
            values[f"{kind}_{priority}"] = f"{minutes / 60:g}"
    return values
