"""The service report (`/reports/service`, `GET /api/v1/reports/service`): volume by channel,
times, reopen and repeat-contact rates, the backlog by age and the per-agent table, from the
daily roll-up made by the real actions; its tables as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, func, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM, Actor
from desk.actions.reports.rollup import JOB, roll_up_reports
from desk.actions.tickets.changes import add_agent_reply, update_ticket
from desk.actions.users import create_token
from desk.db import Database, commit
from desk.models import AuditEntry, DeskSetting, Job, Ticket, User
from desk.models.base import now
from desk.queries.reports.rolled import COMPLETE_KEY
from desk.settings import Settings
from tests.conftest import sign_in
from tests.desk.surveys.conftest import answer
from tests.desk.surveys.helpers import mailed_ticket, reopen, run_due_jobs, sent_survey, solve

MakeUser = Callable[..., User]


def _reply(db: Database, settings: Settings, agent: User, ticket_id: int) -> None:
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        add_agent_reply(session, settings, Actor.of_user(agent), agent, ticket, "On it.",
                        internal=False)
        commit(session)


def _roll_up(db: Database) -> None:
    with db.session() as session:
        roll_up_reports(session)


def _total(page: str, name: str) -> str:
    return page.split(f'data-total="{name}">', 1)[1].split("<dd>", 1)[1].split("</dd>", 1)[0]


def _scenario(db: Database, settings: Settings, client: TestClient, make_user: MakeUser) -> User:
    """Ana answers one ticket and solves it (rated 5); solves another that the customer
    writes about again (a new ticket) and that is reopened; one more ticket stays open."""
    ana = make_user("agent", name="Ana")
    survey, path = sent_survey(db, settings, ana)
    answer(client, path, 5)
    second = mailed_ticket(db, settings, email="dora@example.com")
    _reply(db, settings, ana, second)
    solve(db, ana, second)
    run_due_jobs(db)  # the solve's record (its survey row) is written by its handler
    mailed_ticket(db, settings, email="dora@example.com")  # Dora writes again
    reopen(db, ana, second)
    _roll_up(db)
    return ana


def test_the_service_page_shows_volume_rates_backlog_and_agents(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    _scenario(db, settings, client, make_user)
    sign_in(client, make_user("admin"))
    page = client.get("/reports/service?days=7").text
    assert _total(page, "created") == "3" and _total(page, "solved") == "2"
    assert _total(page, "reopen_rate") == "50%" and _total(page, "repeat_rate") == "50%"
    assert _total(page, "csat") == "100%"
    assert "min" in _total(page, "first_response")  # answered within minutes
    backlog = page.split('data-table="backlog"', 1)[1].split("</table>", 1)[0]
    assert '<tr data-key="under_1d"><td>Under a day</td><td class="num">2</td>' in backlog
    agents = page.split('data-table="agents"', 1)[1].split("</table>", 1)[0]
    assert "Ana" in agents and '<td class="num" data-col="solved">2</td>' in agents
    for chart in ("volume", "channels", "backlog"):
        assert page.split(f'data-chart="{chart}">', 1)[1].startswith("<svg")


def test_every_service_table_exports_as_csv_with_a_bom(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    _scenario(db, settings, client, make_user)
    sign_in(client, make_user("admin"))
    for table in ("channels", "agents", "backlog", "volume"):
        export = client.get(f"/reports/service/{table}.csv?days=30")
        assert export.status_code == 200 and export.content.startswith("\ufeff".encode()), table
    agents = client.get("/reports/service/agents.csv?days=30").content.decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(agents)))
    assert row["agent"] == "Ana" and row["solved"] == "2" and row["csat_percent"] == "100.0"
    assert client.get("/reports/service/secrets.csv").status_code == 404


def test_an_agent_sees_only_their_own_service_figures_and_the_api_agrees(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    ana = _scenario(db, settings, client, make_user)
    bo = make_user("agent", name="Bo")
    sign_in(client, bo)
    page = client.get("/reports/service?days=7").text
    assert _total(page, "solved") == "0" and "Ana" not in page
    with db.session() as session:
        token = create_token(session, SYSTEM, ana)
        commit(session)
    api = client.get("/api/v1/reports/service?days=7", headers={"Authorization": f"Bearer {token}"})
    body = api.json()
    assert api.status_code == 200 and body["solved"] == 2 and body["reopen_rate"] == 0.5
    assert [a["name"] for a in body["by_agent"]] == ["Ana"]
    assert body["by_channel"][0]["channel"] == "email"


def test_a_page_with_old_figures_asks_for_the_roll_up_once(
    db: Database, client: TestClient, make_user: MakeUser,
) -> None:
    sign_in(client, make_user("admin"))
    page = client.get("/reports/service")
    assert page.status_code == 200 and "being made" in page.text
    client.get("/reports/service")
    with db.session() as session:
        jobs = session.exec(select(func.count()).select_from(Job).where(Job.name == JOB)).one()
    assert jobs >= 1


def _api(client: TestClient, token: str, query: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/reports/service?{query}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _token(db: Database, user: User) -> str:
    with db.session() as session:
        token = create_token(session, SYSTEM, user)
        commit(session)
    return token


def test_the_api_alone_keeps_the_figures_fresh(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    ana = make_user("agent", name="Ana")
    token = _token(db, make_user("admin"))
    ticket_id = mailed_ticket(db, settings)
    _reply(db, settings, ana, ticket_id)
    solve(db, ana, ticket_id)
    run_due_jobs(db)
    # Nobody opens a report page: the API asks for the roll-up itself, as a page would.
    assert _api(client, token, "days=7")["solved"] == 0
    run_due_jobs(db)
    fresh = _api(client, token, "days=7")
    assert fresh["solved"] == 1 and fresh["rolled_up_at"] is not None
    with db.session() as session:  # the satisfaction API asks for it too
        session.execute(delete(Job).where(col(Job.name) == JOB))
        session.execute(delete(DeskSetting).where(col(DeskSetting.key) == COMPLETE_KEY))
        commit(session)
    assert client.get("/api/v1/reports/csat?days=7",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(Job).where(Job.name == JOB)).one() == 1


def test_the_last_7_days_are_today_and_the_6_before_not_8_calendar_days(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    admin = make_user("admin")
    today = now().date()
    for days_ago in (7, 6):  # at midnight: 7 days ago is before the last 7 × 24 hours
        ticket_id = mailed_ticket(db, settings)
        with db.session() as session:
            ticket = session.get(Ticket, ticket_id)
            assert ticket is not None
            ticket.created_at = datetime.combine(today - timedelta(days=days_ago), time(), tzinfo=UTC)
            session.add(ticket)
            commit(session)
    _roll_up(db)
    body = _api(client, _token(db, admin), "days=7")
    assert body["created"] == 1
    sign_in(client, admin)
    volume = client.get("/reports/service/volume.csv?days=7&unit=day").content.decode("utf-8-sig")
    days = [row["start"] for row in csv.DictReader(io.StringIO(volume))]
    assert days[0] == (today - timedelta(days=6)).isoformat() and len(days) == 7
    # A date range counts both its days, as before.
    start = (today - timedelta(days=7)).isoformat()
    assert _api(client, _token(db, admin), f"from={start}&to={today.isoformat()}")["created"] == 2


def test_the_api_groups_the_service_figures_by_agent_team_channel_and_over_time(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    ana = _scenario(db, settings, client, make_user)
    token = _token(db, make_user("admin"))
    by_agent = _api(client, token, "days=7&group_by=agent")
    assert by_agent["group_by"] == "agent"
    ana_row = next(g for g in by_agent["groups"] if g["key"] == ana.id)
    assert ana_row["label"] == "Ana" and ana_row["solved"] == 2 and ana_row["reopen_rate"] == 0.5
    by_channel = _api(client, token, "days=7&group_by=channel")["groups"]
    assert [(g["key"], g["created"]) for g in by_channel] == [("email", 3)]
    by_team = _api(client, token, "days=7&group_by=team")["groups"]
    assert sum(g["created"] for g in by_team) == 3 and by_team[0]["key"] is None
    by_day = _api(client, token, "days=7&group_by=day")["groups"]
    assert len(by_day) == 7 and by_day[-1]["key"] == now().date().isoformat()
    assert by_day[-1]["created"] == 3 and by_day[-1]["solved"] == 2
    assert len(_api(client, token, "days=90&group_by=month")["groups"]) in (3, 4)
    assert _api(client, token, "days=7")["groups"] == []
    refused = client.get("/api/v1/reports/service?group_by=tier",
                         headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 422 and "group_by" in refused.text


def test_every_report_export_is_recorded_in_the_audit_log(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    admin = make_user("admin")
    sign_in(client, admin)
    for table in ("channels", "backlog"):
        assert client.get(f"/reports/service/{table}.csv?days=90").status_code == 200
    assert client.get("/reports/service/secrets.csv").status_code == 404
    with db.session() as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.entity == "report")
                               .order_by(col(AuditEntry.id))).all()
    assert [(e.actor_id, e.changes["table"], e.changes["filter"]["days"]) for e in entries] == [
        (admin.id, "service/channels", "90"), (admin.id, "service/backlog", "90")]


def test_a_ticket_closed_as_spam_counts_in_no_service_figure(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    ana = make_user("agent", name="Ana")
    real = mailed_ticket(db, settings, email="dora@example.com")
    junk = mailed_ticket(db, settings, email="win-a-prize@example.net")
    for number in (real, junk):
        _reply(db, settings, ana, number)
    solve(db, ana, real)
    solve(db, ana, junk)  # solved first, then seen to be spam
    run_due_jobs(db)
    with db.session() as session:
        ticket = session.get(Ticket, junk)
        assert ticket is not None
        update_ticket(session, Actor.of_user(ana), ticket, {"status": "closed"}, tags=["spam"])
        commit(session)
    _roll_up(db)
    sign_in(client, make_user("admin"))
    page = client.get("/reports/service?days=7").text
    assert _total(page, "created") == "1" and _total(page, "solved") == "1"
    agents = page.split('data-table="agents"', 1)[1].split("</table>", 1)[0]
    assert '<td class="num" data-col="solved">1</td>' in agents
