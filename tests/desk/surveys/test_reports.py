"""The satisfaction dashboard: figures by agent, team and channel, the period and team
filters, the lowest answers linked to their tickets, and the per-agent table as CSV. Who sees
what (agents their own, supervisors their teams') is in test_report_scope.py."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import col, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.users import create_token
from desk.db import Database, commit
from desk.models import AuditEntry, Survey, User
from desk.models.base import now
from tests.conftest import sign_in
from tests.desk.surveys.conftest import supervisor_of

MakeUser = Callable[..., User]


def test_nobody_signed_in_is_sent_to_sign_in(client: TestClient) -> None:
    page = client.get("/reports/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/agent/login")


def test_the_dashboard_shows_figures_by_agent_team_and_channel(
    db: Database, client: TestClient, make_user: MakeUser, answered: dict[str, int],
) -> None:
    sign_in(client, supervisor_of(db, make_user, answered["printers"], answered["network"]))
    page = client.get("/reports/?days=30")
    assert page.status_code == 200
    text = page.text
    assert 'data-total="answers"><dt>Answers</dt><dd>3</dd>' in text
    assert 'data-total="csat"><dt>CSAT</dt><dd>67%</dd>' in text  # 5 and 4 of 5, 2, 4
    assert 'data-total="average"><dt>Average</dt><dd>3.67</dd>' in text
    assert 'data-total="response_rate"><dt>Response rate</dt><dd>75%</dd>' in text
    assert 'data-group="agent"' in text and 'data-group="team"' in text and 'data-group="channel"' in text
    # The lowest answer, with its comment, links to its ticket.
    assert "Still broken" in text and 'href="/agent/tickets/' in text


def test_the_team_filter_keeps_one_teams_answers(
    client: TestClient, make_user: MakeUser, answered: dict[str, int],
) -> None:
    sign_in(client, make_user("admin"))
    page = client.get(f"/reports/?days=7&team={answered['network']}")
    assert 'data-total="answers"><dt>Answers</dt><dd>1</dd>' in page.text
    assert 'data-total="response_rate"><dt>Response rate</dt><dd>50%</dd>' in page.text
    assert "Still broken" not in page.text


def test_answers_older_than_the_period_are_left_out(
    db: Database, client: TestClient, make_user: MakeUser, answered: dict[str, int],
) -> None:
    with db.session() as session:
        for survey in session.exec(select(Survey).where(Survey.rating == 2)):
            survey.answered_at = now() - timedelta(days=10)
            session.add(survey)
        commit(session)
    sign_in(client, make_user("admin"))
    assert 'data-total="answers"><dt>Answers</dt><dd>2</dd>' in client.get("/reports/?days=7").text
    assert 'data-total="answers"><dt>Answers</dt><dd>3</dd>' in client.get("/reports/?days=30").text


def test_the_per_agent_table_exports_as_csv_with_a_bom(
    db: Database, client: TestClient, make_user: MakeUser, answered: dict[str, int],
) -> None:
    sign_in(client, supervisor_of(db, make_user, answered["printers"], answered["network"]))
    export = client.get("/reports/satisfaction/agents.csv?days=30")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert export.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    by_agent = {r["agent"]: r for r in rows}
    assert by_agent["Ana"]["answers"] == "2" and by_agent["Ana"]["csat_percent"] == "50.0"
    assert by_agent["Bo"]["answers"] == "1" and by_agent["Bo"]["response_rate_percent"] == "50.0"
    tiers = client.get("/reports/satisfaction/tiers.csv?days=30").content.decode("utf-8-sig")
    assert tiers.splitlines()[:2] == ["tier,answers,csat_percent,average,surveys_sent,"
                                      "response_rate_percent", "standard,3,66.7,3.67,4,75.0"]
    trend = client.get("/reports/satisfaction/trend.csv?days=7&unit=day")
    assert trend.content.startswith("\ufeff".encode())
    days = list(csv.DictReader(io.StringIO(trend.content.decode("utf-8-sig"))))
    assert len(days) in (7, 8) and sum(int(d["answers"]) for d in days) == 3
    assert client.get("/reports/satisfaction/customers.csv").status_code == 404


def test_the_distribution_and_the_lowest_answers_export_as_csv_and_every_export_is_audited(
    db: Database, client: TestClient, make_user: MakeUser, answered: dict[str, int],
) -> None:
    sue = supervisor_of(db, make_user, answered["printers"], answered["network"])
    sign_in(client, sue)
    page = client.get("/reports/?days=30").text
    for table in ("distribution", "lowest"):
        assert f'href="/reports/satisfaction/{table}.csv?days=30' in page
    export = client.get(f"/reports/satisfaction/distribution.csv?days=30&team={answered['printers']}")
    assert export.status_code == 200 and export.content.startswith("\ufeff".encode())
    assert export.content.decode("utf-8-sig").splitlines() == [
        "rating,answers,share_percent", "5,1,50.0", "4,0,0.0", "3,0,0.0", "2,1,50.0", "1,0,0.0"]
    lowest = client.get("/reports/satisfaction/lowest.csv?days=30")
    assert lowest.content.startswith("\ufeff".encode())
    (row,) = csv.DictReader(io.StringIO(lowest.content.decode("utf-8-sig")))
    assert (row["rating"], row["agent"], row["comment"]) == ("2", "Ana", "Still broken")
    assert row["subject"] == "The printer is on fire" and row["ticket"].isdigit()
    client.get("/reports/satisfaction/agents.csv?days=7")
    with db.session() as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.entity == "report")
                               .order_by(col(AuditEntry.id))).all()
    assert [(e.actor_id, e.action, e.changes["table"]) for e in entries] == [
        (sue.id, "exported", "satisfaction/distribution"), (sue.id, "exported", "satisfaction/lowest"),
        (sue.id, "exported", "satisfaction/agents")]
    assert entries[0].changes["filter"] == {"days": "30", "team": str(answered["printers"]),
                                            "unit": "day"}
    assert entries[2].changes["filter"]["days"] == "7"


def test_the_api_refuses_unknown_parameters_and_periods(
    db: Database, client: TestClient, make_user: MakeUser,
) -> None:
    supervisor = make_user("admin")
    with db.session() as session:
        token = create_token(session, SYSTEM, supervisor)
        commit(session)
    headers = {"Authorization": f"Bearer {token}"}
    for query in ("days=8", "team=999", "colour=red"):
        answer = client.get(f"/api/v1/reports/satisfaction?{query}", headers=headers)
        assert answer.status_code == 422, query
    empty = client.get("/api/v1/reports/satisfaction", headers=headers).json()
    assert empty["answers"] == 0 and empty["csat"] is None and empty["days"] == 30


def test_absurd_filters_fall_back_on_the_page_and_are_refused_by_the_api(
    db: Database, client: TestClient, make_user: MakeUser,
) -> None:
    supervisor = make_user("admin")
    sign_in(client, supervisor)
    huge = "9" * 5000
    page = client.get(f"/reports/?days={huge}&team={huge}")
    assert page.status_code == 200 and '<option value="30" selected>' in page.text
    with db.session() as session:
        token = create_token(session, SYSTEM, supervisor)
        commit(session)
    answer = client.get(f"/api/v1/reports/satisfaction?days={huge}&team=-1",
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 422
    assert answer.json()["fields"] == {"days": "invalid_choice", "team": "not_found"}
