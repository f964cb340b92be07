"""The rule condition "within business hours" (issue 13): it follows the ticket's SLA calendar
(weekends, mainland China's holidays and make-up working days, the calendar's time zone), is
refused with a reason when its value is neither yes nor no, and works in the form, the dry run
and on a ticket that comes in."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.ingest.one import ingest_message
from desk.actions.rules.definition import Condition, Group, Known, RuleError, parse_rule
from desk.actions.rules.manage import create_rule
from desk.actions.rules.matching import Facts, matcher
from desk.actions.sla.calendar import Calendar
from desk.db import Database, commit
from desk.models import Rule, SlaPolicy, Ticket, User
from desk.models.base import now
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in
from tests.desk.actions.test_rules import _mail, _run_jobs

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = Calendar()  # UTC, Monday to Friday 9-18
CHINA = Calendar(zone="Asia/Shanghai", country="CN")


def _within(at: datetime, calendar: Calendar, value: str = "yes") -> bool:
    group = Group("all", (Condition("business_hours", "is", value),))
    return matcher(group)(Facts(at=at, calendar=lambda: calendar))


@pytest.mark.parametrize("at, calendar, expected", [
    (datetime(2026, 3, 6, 10, 0, tzinfo=UTC), OFFICE, True),  # a Friday morning
    (datetime(2026, 3, 6, 18, 0, tzinfo=UTC), OFFICE, False),  # Friday, the desk just closed
    (datetime(2026, 3, 7, 10, 0, tzinfo=UTC), OFFICE, False),  # Saturday
    (datetime(2026, 3, 8, 23, 59, tzinfo=UTC), OFFICE, False),  # Sunday night
    # Spring Festival 2026: Monday 16 February is a public holiday in mainland China ...
    (datetime(2026, 2, 16, 10, 0, tzinfo=SHANGHAI), CHINA, False),
    (datetime(2026, 2, 16, 10, 0, tzinfo=SHANGHAI), Calendar(zone="Asia/Shanghai"), True),
    # ... and Saturday 14 February its make-up working day.
    (datetime(2026, 2, 14, 10, 0, tzinfo=SHANGHAI), CHINA, True),
    (datetime(2026, 2, 14, 10, 0, tzinfo=SHANGHAI), Calendar(zone="Asia/Shanghai"), False),
    # Monday 02:00 UTC is 10:00 in Shanghai: open there, not yet in a UTC office.
    (datetime(2026, 3, 9, 2, 0, tzinfo=UTC), CHINA, True),
    (datetime(2026, 3, 9, 2, 0, tzinfo=UTC), OFFICE, False),
    (datetime(2026, 3, 9, 17, 0, tzinfo=UTC), CHINA, False),  # 01:00 Tuesday in Shanghai
])
def test_within_business_hours_follows_the_calendar(at: datetime, calendar: Calendar,
                                                     expected: bool) -> None:
    assert _within(at, calendar) is expected
    assert _within(at, calendar, "no") is (not expected)


def test_the_calendar_is_looked_up_once_and_only_when_a_rule_asks() -> None:
    looked_up: list[int] = []

    def calendar() -> Calendar:
        looked_up.append(1)
        return OFFICE

    facts = Facts(tier="standard", at=datetime(2026, 3, 6, 10, 0, tzinfo=UTC), calendar=calendar)
    vip_in_hours = Group("all", (Condition("tier", "is", "vip"), Condition("business_hours", "is", "yes")))
    assert matcher(vip_in_hours)(facts) is False
    assert looked_up == []  # the tier decided
    in_hours = Group("all", (Condition("business_hours", "is", "yes"),))
    out_of_hours = Group("all", (Condition("business_hours", "is", "no"),))
    assert matcher(in_hours)(facts) and not matcher(out_of_hours)(facts)
    assert looked_up == [1]


def test_a_value_other_than_yes_or_no_is_refused_beside_the_condition() -> None:
    doc = {"name": "Night shift", "conditions": {"match": "all", "items": [
        {"field": "business_hours", "op": "is", "value": "sometimes"}]},
        "actions": [{"type": "set_priority", "value": "high"}]}
    with pytest.raises(RuleError) as refused:
        parse_rule(doc, Known())
    assert "conditions.0.value" in refused.value.errors
    doc["conditions"]["items"][0]["op"] = "contains"  # type: ignore[index]
    with pytest.raises(RuleError) as refused:
        parse_rule(doc, Known())
    assert "conditions.0.op" in refused.value.errors


def _policy(session: Session, closed_today: bool) -> None:
    """The default policy: open round the clock, or closed all of today (UTC)."""
    closed = [now().date().isoformat()] if closed_today else []
    session.add(SlaPolicy(name="Desk hours", is_default=True, hours=json.dumps([[[0, 1440]]] * 7),
                          closed=json.dumps(closed), targets="{}"))
    commit(session)


@pytest.mark.parametrize("closed_today, expected", [(True, "urgent"), (False, "normal")])
def test_mail_out_of_hours_gets_the_rules_priority(
    db: Database, session: Session, settings: Settings, closed_today: bool, expected: str,
) -> None:
    _policy(session, closed_today)
    create_rule(session, SYSTEM, {
        "name": "Out of hours is urgent", "events": ["ticket_created"],
        "conditions": {"match": "all", "items": [{"field": "business_hours", "op": "is", "value": "no"}]},
        "actions": [{"type": "set_priority", "value": "urgent"}]})
    ticket, _ = ingest_message(session, settings, _mail("ann@example.com", "Server down", "help"))
    commit(session)
    _run_jobs(db)
    with db.session() as fresh:
        row = fresh.get(Ticket, ticket.id)
        assert row is not None and row.priority == expected


def test_the_rule_form_takes_yes_or_no_in_chinese_and_dry_runs_it(
    client: TestClient, db: Database, session: Session, settings: Settings,
    make_user: Callable[..., User],
) -> None:
    _policy(session, closed_today=True)
    ingest_message(session, settings, _mail("ann@example.com", "Came in on a closed day", "hi"))
    commit(session)
    sign_in(client, make_user("supervisor"))
    form = client.get("/admin/rules/new")
    assert "Within business hours (yes or no)" in form.text
    draft = {"csrf_token": csrf_of(client, "/admin/rules/new"), "name": "Closed days",
             "enabled": "on", "events": "ticket_created", "match": "all",
             "field0": "business_hours", "op0": "is", "value0": "否", "set_priority": "urgent"}
    tried = client.post("/admin/rules", data={**draft, "dry_run": "1"})
    assert tried.status_code == 200
    assert "Came in on a closed day" in tried.text.split('id="dry-run"')[1]
    refused = client.post("/admin/rules", data={**draft, "value0": "maybe"})
    assert refused.status_code == 422 and 'id="condition0-error"' in refused.text
    saved = client.post("/admin/rules", data=draft, follow_redirects=False)
    assert saved.status_code == 303
    with db.session() as fresh:
        rule = fresh.exec(select(Rule)).one()
        assert json.loads(rule.conditions)["items"] == [
            {"field": "business_hours", "op": "is", "value": "no"}]
