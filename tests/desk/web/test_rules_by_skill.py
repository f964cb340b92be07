"""The rule form's "by skill" assignment: saved as {"by_skill": [...]}, shown again, and a
skill no active agent has is saved with a warning on the rule's page."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlmodel import Session, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.duty import save_duty
from desk.db import Database
from desk.models import Rule, User
from tests.conftest import csrf_of, sign_in
from tests.desk.web.test_rules_pages import _team


def test_a_rule_assigns_by_skill_and_warns_of_a_skill_nobody_has(
    client: TestClient, db: Database, session: Session, make_user: Callable[..., User],
) -> None:
    support = _team(session, "Support")
    save_duty(session, SYSTEM, make_user("agent", name="Li"), "", "zh", "", [("", "")] * 7)
    sign_in(client, make_user("supervisor"))
    token = csrf_of(client, "/admin/rules/new")
    assert 'value="by_skill"' in client.get("/admin/rules/new").text
    form = {"csrf_token": token, "name": "Chinese to Li", "enabled": "on", "events": "ticket_created",
            "match": "all", "set_team": str(support), "assign": "by_skill", "assign_skills": "ZH, 退款"}
    saved = client.post("/admin/rules", data=form, follow_redirects=False)
    assert saved.status_code == 303
    with db.session() as s:
        rule = s.exec(select(Rule)).one()
        assert {"type": "assign", "value": {"by_skill": ["zh", "退款"]}} in json.loads(rule.actions)
    assert saved.headers["location"] == f"/admin/rules/{rule.id}"  # to the warning
    page = client.get(saved.headers["location"])
    assert "data-unheld-skills" in page.text and "退款" in page.text.split("data-unheld-skills")[1]
    assert 'value="zh, 退款"' in page.text

    known = client.post(f"/admin/rules/{rule.id}", data={**form, "assign_skills": "zh"},
                        follow_redirects=False)
    assert known.headers["location"] == "/admin/rules"
