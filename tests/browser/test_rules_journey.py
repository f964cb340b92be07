"""A supervisor writes "VIP mail about refunds → Billing, high priority, round robin" on the
rules page, tries it on the last 50 tickets (the VIP's earlier refund mail matches, another
customer's does not), saves it; a VIP customer's mail arrives and lands in Billing, assigned,
high priority, with its SLA due time on the ticket page and in the queue."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect
from sqlmodel import select

from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.models import Customer, SlaPolicy, Team, TeamMembership, Ticket, User
from desk.settings import Settings
from tests.browser.staff import signed_in
from tests.desk.actions.test_rules import _mail

pytestmark = pytest.mark.browser
ROUND_THE_CLOCK = json.dumps([[[0, 1440]]] * 7)


def _desk(db: Database, settings: Settings, make_user: Callable[..., User]) -> tuple[int, list[int], int]:
    """Billing with two agents, a VIP policy, a VIP's earlier refund mail and another's."""
    agents = [make_user("agent", name=name) for name in ("Li Na", "Omar")]
    with db.session() as s:
        team = Team(name="Billing")
        s.add(team)
        s.flush()
        for agent in agents:
            s.add(TeamMembership(team_id=team.id, user_id=agent.id))
        targets = {"first_response": dict.fromkeys(("low", "normal", "high", "urgent"), 60),
                   "resolution": dict.fromkeys(("low", "normal", "high", "urgent"), 480)}
        policy = SlaPolicy(name="VIP", is_default=False, hours=ROUND_THE_CLOCK, targets=json.dumps(targets))
        s.add(policy)
        commit(s)
        ingest_message(s, settings, _mail("vip@example.com", "Refund for order 1", "Please refund."))
        ingest_message(s, settings, _mail("kim@example.com", "Refund for order 9", "Please refund."))
        commit(s)
        vip = s.exec(select(Customer).where(Customer.email == "vip@example.com")).one()
        vip.tier = "vip"
        s.add(vip)
        commit(s)
        assert team.id is not None and policy.id is not None
        return team.id, sorted(a.id for a in agents if a.id is not None), policy.id


def test_a_supervisor_writes_dry_runs_and_saves_a_vip_refund_rule_and_mail_lands_assigned(
    new_context: Callable[..., BrowserContext], make_user: Callable[..., User], db: Database,
    settings: Settings, artifacts: Path,
) -> None:
    team_id, agents, policy_id = _desk(db, settings, make_user)
    page = signed_in(new_context(viewport={"width": 1400, "height": 1000}), make_user("supervisor"))
    page.goto("/admin/rules/new")
    page.fill("#rule-name", "VIP refunds to Billing")
    page.select_option("select[name=field0]", "tier")
    page.select_option("select[name=op0]", "is")
    page.fill("input[name=value0]", "vip")
    page.select_option("select[name=field1]", "subject")
    page.select_option("select[name=op1]", "any_words")
    page.fill("input[name=value1]", "refund 退款")
    page.select_option("#rule-team", str(team_id))
    page.select_option("#rule-priority", "high")
    page.select_option("#rule-assign", "round_robin")
    page.select_option("#rule-sla", str(policy_id))
    page.click("button[name=dry_run]")
    dry_run = page.locator("#dry-run")
    expect(dry_run).to_contain_text("1 of the last 50 tickets match")
    expect(dry_run).to_contain_text("Refund for order 1")
    expect(dry_run).not_to_contain_text("Refund for order 9")
    page.screenshot(path=artifacts / "rules-dry-run.png", full_page=True)
    page.click("button.primary")
    page.wait_for_url("**/admin/rules")
    expect(page.locator("#rules")).to_contain_text("VIP refunds to Billing")

    with db.session() as s:
        ticket, _ = ingest_message(s, settings, _mail("vip@example.com", "退款 for order 2", "请退款"))
        commit(s)
        number = ticket.id
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the server's job runner runs the rules after the intake
        with db.session() as s:
            landed = s.get(Ticket, number)
            if landed is not None and landed.assignee_id is not None:  # with its SLA clock, at once
                break
        time.sleep(0.2)
    assert landed is not None
    assert (landed.team_id, landed.priority, landed.assignee_id) == (team_id, "high", agents[0])

    page.goto(f"/agent/tickets/{number}")
    expect(page.locator("#team_id")).to_have_value(str(team_id))
    expect(page.locator("#assignee_id")).to_have_value(str(agents[0]))
    expect(page.locator("[data-clock=first_response]")).to_contain_text("due")
    expect(page.locator("ul.history")).to_contain_text("VIP refunds to Billing")
    page.screenshot(path=artifacts / "rules-ticket-landed.png", full_page=True)
    page.goto("/agent/?view=all_open")
    row = page.locator(f"tr[data-ticket='{number}']")
    expect(row).to_contain_text("Billing")
    expect(row.locator("time.due")).to_be_visible()
