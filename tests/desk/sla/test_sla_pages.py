"""The SLA policy pages (issue 13): a supervisor writes a policy on a Chinese calendar; bad
fields come back with the reason and the input kept; agents are refused."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlmodel import select
from starlette.testclient import TestClient

from desk.db import Database
from desk.models import AuditEntry, SlaPolicy, User
from tests.conftest import csrf_of, sign_in


def test_a_supervisor_writes_a_policy_on_a_chinese_calendar(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    sign_in(client, make_user("supervisor"))
    token = csrf_of(client, "/admin/sla")
    form = {"csrf_token": token, "name": "中国支持", "default": "on", "zone": "Asia/Shanghai",
            "country": "cn", "mon": "09:00-12:00, 13:00-18:00", "tue": "09:00-18:00",
            "wed": "09:00-18:00", "thu": "09:00-18:00", "fri": "09:00-18:00",
            "closed": "2026-12-31", "first_response_high": "2", "resolution_high": "16"}
    saved = client.post("/admin/sla", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    with db.session() as s:
        policy = s.exec(select(SlaPolicy)).one()
        assert (policy.name, policy.is_default, policy.country) == ("中国支持", True, "CN")
        assert json.loads(policy.hours)[0] == [[540, 720], [780, 1080]]
        assert json.loads(policy.targets)["first_response"] == {"high": 120.0}
        assert s.exec(select(AuditEntry).where(AuditEntry.entity == "sla_policy")).one().action == "created"
    page = client.get(f"/admin/sla/{policy.id}")
    assert 'value="09:00-12:00, 13:00-18:00"' in page.text and 'value="2"' in page.text


def test_bad_fields_come_back_with_the_reason_and_agents_are_refused(
    client: TestClient, db: Database, make_user: Callable[..., User],
) -> None:
    sign_in(client, make_user("admin"))
    token = csrf_of(client, "/admin/sla")
    page = client.post("/admin/sla", data={"csrf_token": token, "name": "X", "zone": "Mars/Base",
                                           "country": "ZZ", "mon": "18:00-09:00",
                                           "first_response_low": "-1"})
    assert page.status_code == 422
    for field in ("zone", "country", "mon", "first_response_low"):
        assert f'id="{field}-error"' in page.text
    assert 'value="Mars/Base"' in page.text
    with db.session() as s:
        assert s.exec(select(SlaPolicy)).all() == []
    client.cookies.clear()
    sign_in(client, make_user("agent"))
    assert client.get("/admin/sla").status_code == 403
