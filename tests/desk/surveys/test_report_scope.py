"""Who sees which figures, decided on the server: an agent their own answers, a supervisor
their teams', an admin all; on the page, in its exports and in the API alike. And the
reports' date range, organisations and figures over time."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.reports.rollup import roll_up_reports
from desk.actions.users import create_token
from desk.db import Database, commit
from desk.models import Survey, Ticket, User
from desk.models.base import now
from desk.settings import Settings
from tests.conftest import sign_in
from tests.desk.surveys.conftest import answer, supervisor_of
from tests.desk.surveys.helpers import sent_survey

MakeUser = Callable[..., User]


def _token(db: Database, user: User) -> dict[str, str]:
    with db.session() as session:
        token = create_token(session, SYSTEM, user)
        commit(session)
    return {"Authorization": f"Bearer {token}"}


def _answers(page: str) -> str:
    return page.split('data-total="answers"><dt>Answers</dt><dd>', 1)[1].split("<", 1)[0]


def _user(db: Database, user_id: int) -> User:
    with db.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def test_an_agent_sees_only_their_own_answers_on_the_page_the_export_and_the_api(
    db: Database, client: TestClient, answered: dict[str, int],
) -> None:
    ana = _user(db, answered["ana"])
    sign_in(client, ana)
    page = client.get(f"/reports/?days=30&team={answered['network']}")
    assert page.status_code == 200 and 'data-scope="agent"' in page.text
    assert _answers(page.text) == "2"  # Ana's two; the team she does not belong to is ignored
    assert "Still broken" in page.text
    export = client.get("/reports/satisfaction/agents.csv?days=30").content.decode("utf-8-sig")
    assert [r["agent"] for r in csv.DictReader(io.StringIO(export))] == ["Ana"]
    api = client.get("/api/v1/reports/csat?group_by=agent", headers=_token(db, ana)).json()
    assert [g["label"] for g in api["groups"]] == ["Ana"] and api["answers"] == 2


def test_a_supervisor_sees_their_teams_and_may_not_ask_for_another(
    db: Database, client: TestClient, make_user: MakeUser, answered: dict[str, int],
) -> None:
    supervisor = supervisor_of(db, make_user, answered["network"])
    sign_in(client, supervisor)
    page = client.get("/reports/?days=30")
    assert _answers(page.text) == "1" and "Still broken" not in page.text
    assert _answers(client.get(f"/reports/?days=30&team={answered['printers']}").text) == "1"
    headers = _token(db, supervisor)
    refused = client.get(f"/api/v1/reports/csat?team={answered['printers']}", headers=headers)
    assert refused.status_code == 422 and refused.json()["fields"] == {"team": "not_found"}
    assert client.get("/api/v1/reports/satisfaction", headers=headers).json()["answers"] == 1
    service = client.get("/api/v1/reports/service", headers=headers)
    assert service.status_code == 200


def test_a_supervisor_of_no_team_sees_nothing_and_an_admin_everything(
    db: Database, client: TestClient, make_user: MakeUser, answered: dict[str, int],
) -> None:
    sign_in(client, make_user("supervisor"))
    assert _answers(client.get("/reports/?days=30").text) == "0"
    sign_in(client, make_user("admin"))
    assert _answers(client.get("/reports/?days=30").text) == "3"


def test_a_date_range_counts_both_days_and_bad_ranges_are_refused_by_the_api(
    db: Database, client: TestClient, make_user: MakeUser, answered: dict[str, int],
) -> None:
    admin = make_user("admin")
    sign_in(client, admin)
    today = now().date()
    page = client.get(f"/reports/?from={today}&to={today}")
    assert _answers(page.text) == "3" and f'value="{today}"' in page.text
    yesterday = today - timedelta(days=1)
    assert _answers(client.get(f"/reports/?from={yesterday}&to={yesterday}").text) == "0"
    headers = _token(db, admin)
    for query, fields in ((f"from={today}&to={yesterday}", {"to": "before_from"}),
                          ("from=2026-02-30", {"from": "invalid_date"}),
                          ("from=2020-01-01&to=2026-01-01", {"from": "span_too_long"}),
                          ("group_by=colour", {"group_by": "invalid_choice"})):
        answer = client.get(f"/api/v1/reports/csat?{query}", headers=headers)
        assert answer.status_code == 422 and answer.json()["fields"] == fields, query
    week = client.get(f"/api/v1/reports/csat?from={today}&to={today}&group_by=week", headers=headers)
    groups = week.json()["groups"]
    assert len(groups) == 1 and groups[0]["answers"] == 3 and round(groups[0]["csat"], 3) == 0.667


def test_answers_by_organisation_and_a_chart_over_time(
    db: Database, client: TestClient, make_user: MakeUser, answered: dict[str, int],
) -> None:
    sign_in(client, make_user("admin"))
    page = client.get("/reports/?days=7&unit=day").text
    assert 'data-group="organization"' in page and "No organisation" in page
    chart = page.split('data-chart="trend">', 1)[1].split("</figure>", 1)[0]
    assert chart.startswith("<svg") and "<rect" in chart and "<script" not in chart
    assert "CSAT" in chart and "67%" in chart  # today's column's title: 2 of 3 satisfied
    headers = _token(db, make_user("admin"))
    by_org = client.get("/api/v1/reports/csat?group_by=organisation", headers=headers).json()
    assert by_org["groups"][0]["key"] is None and by_org["groups"][0]["answers"] == 3


def test_days_from_the_roll_up_give_the_same_figures_and_today_stays_live(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
    answered: dict[str, int],
) -> None:
    with db.session() as session:  # the tickets, four mails and three answers three days ago
        for survey in session.exec(select(Survey)):
            survey.answered_at = survey.answered_at and survey.answered_at - timedelta(days=3)
            survey.sent_at = survey.sent_at and survey.sent_at - timedelta(days=3)
            session.add(survey)
        for ticket in session.exec(select(Ticket)):
            ticket.created_at = ticket.created_at - timedelta(days=3)
            session.add(ticket)
        commit(session)
    admin = make_user("admin")
    headers = _token(db, admin)
    before = client.get("/api/v1/reports/satisfaction?days=7", headers=headers).json()
    with db.session() as session:
        roll_up_reports(session)
    after = client.get("/api/v1/reports/satisfaction?days=7", headers=headers).json()
    for moment in (before, after):
        del moment["from"], moment["to"]
    assert after == before and after["answers"] == 3 and after["response_rate"] == 0.75
    _survey, path = sent_survey(db, settings, _user(db, answered["bo"]))
    answer(client, path, 5)  # today: read live beside the rolled-up days
    today = client.get("/api/v1/reports/csat?days=7&group_by=day", headers=headers).json()
    assert [g["answers"] for g in today["groups"]][-4:] == [3, 0, 0, 1]
    assert client.get("/api/v1/reports/satisfaction?days=7", headers=headers).json()["answers"] == 4
