"""The rules pages (issue 13): a supervisor writes a rule in plain language, tries it on the
last tickets, saves it, switches, moves and deletes it; mistakes come back beside the field
with the input kept; agents are refused."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select
from starlette.testclient import TestClient

from desk.actions.ingest.one import ingest_message
from desk.db import Database, commit
from desk.models import AuditEntry, Rule, Team, User
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in
from tests.desk.actions.test_rules import _mail


def _team(session: Session, name: str) -> int:
    team = Team(name=name)
    session.add(team)
    commit(session)
    assert team.id is not None
    return team.id


def test_a_supervisor_writes_tries_and_saves_a_rule_then_switches_moves_and_deletes_it(
    client: TestClient, db: Database, session: Session, settings: Settings,
    make_user: Callable[..., User],
) -> None:
    billing = _team(session, "Billing")
    for subject in ("Refund for order 7", "Printer jam"):
        ingest_message(session, settings, _mail("ann@example.com", subject, "please"))
        commit(session)
    sign_in(client, make_user("supervisor"))
    token = csrf_of(client, "/admin/rules/new")
    draft = {"csrf_token": token, "name": "Refunds to Billing", "enabled": "on",
             "events": "ticket_created", "match": "all", "field0": "subject", "op0": "any_words",
             "value0": "refund 退款", "set_team": str(billing), "set_priority": "high"}
    tried = client.post("/admin/rules", data={**draft, "dry_run": "1"})
    assert tried.status_code == 200
    assert "Refund for order 7" in tried.text and "Printer jam" not in tried.text.split('id="dry-run"')[1]
    with db.session() as s:
        assert s.exec(select(Rule)).all() == []  # a dry run saves nothing

    saved = client.post("/admin/rules", data=draft, follow_redirects=False)
    assert saved.status_code == 303
    listing = client.get("/admin/rules")
    assert "Refunds to Billing" in listing.text and "Billing" in listing.text
    second = client.post("/admin/rules", data={**draft, "name": "Second", "set_team": "",
                                               "set_priority": "low"}, follow_redirects=False)
    assert second.status_code == 303
    with db.session() as s:
        first_id, second_id = [r.id for r in s.exec(select(Rule).order_by(Rule.position))]
    client.post(f"/admin/rules/{second_id}/change", data={"csrf_token": token, "do": "up"})
    client.post(f"/admin/rules/{first_id}/change", data={"csrf_token": token, "do": "disable"})
    client.post(f"/admin/rules/{second_id}/change", data={"csrf_token": token, "do": "delete"})
    with db.session() as s:
        rules = s.exec(select(Rule)).all()
        assert [(r.name, r.enabled) for r in rules] == [("Refunds to Billing", False)]
        actions = s.exec(select(AuditEntry.action).where(AuditEntry.entity == "rule")).all()
        assert sorted(actions) == ["created", "created", "deleted", "moved", "updated"]


def test_a_rule_that_cannot_run_comes_back_with_the_reason_beside_the_field(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    sign_in(client, make_user("supervisor"))
    token = csrf_of(client, "/admin/rules/new")
    page = client.post("/admin/rules", data={
        "csrf_token": token, "name": "Slow", "events": "ticket_created", "match": "all",
        "field0": "body", "op0": "regex", "value0": "(a+)+$", "set_priority": "high"})
    assert page.status_code == 422
    assert 'id="condition0-error"' in page.text and "takes too long" in page.text
    assert 'value="(a+)+$"' in page.text and 'value="Slow"' in page.text  # input kept
    with db.session() as s:
        assert s.exec(select(Rule)).all() == []


def test_agents_may_not_see_or_change_rules(client: TestClient, make_user: Callable[..., User]) -> None:
    sign_in(client, make_user("agent"))
    assert client.get("/admin/rules").status_code == 403
    assert client.get("/admin/rules/new").status_code == 403
    token = csrf_of(client, "/agent/")
    assert client.post("/admin/rules", data={"csrf_token": token, "name": "x"}).status_code == 403


def test_a_supervisor_writes_a_scheduled_rule_that_notifies_and_replies_and_sees_its_refusals(
    client: TestClient, db: Database, session: Session, make_user: Callable[..., User],
) -> None:
    sign_in(client, make_user("supervisor"))
    token = csrf_of(client, "/admin/rules/new")
    form = {"csrf_token": token, "name": "Stale pending", "enabled": "on", "events": "scheduled",
            "match": "all", "field0": "pending_for", "op0": "at_least", "value0": "three days",
            "notify_to": "assignee", "notify_by": "email",
            "reply_en": "Hello {{customer.name}}, any news?", "reply_zh": "{{customer.nickname}}，您好"}
    refused = client.post("/admin/rules", data=form)
    assert refused.status_code == 422
    assert "30m, 4h or 3d" in refused.text and "Unknown placeholder: customer.nickname" in refused.text
    assert "three days" in refused.text  # the input kept
    saved = client.post("/admin/rules", data={**form, "value0": "3d", "reply_zh": "{{customer.name}}，您好"},
                        follow_redirects=False)
    assert saved.status_code == 303
    listing = client.get("/admin/rules")
    assert "On the scheduled pass" in listing.text and "notify" in listing.text
    with db.session() as s:
        rule = s.exec(select(Rule)).one()
        assert rule.events == "scheduled"
        edit = client.get(f"/admin/rules/{rule.id}")
        assert "Hello {{customer.name}}, any news?" in edit.text.replace("&#123;", "{").replace("&#125;", "}")
