"""The service report (`/reports/service`, `GET /api/v1/reports/service`): volume by channel,
times, reopen and repeat-contact rates, the backlog by age and the per-agent table, from the
daily roll-up made by the real actions; its tables as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM, Actor
from desk.actions.reports.rollup import JOB, roll_up_reports
from desk.actions.tickets.changes import add_agent_reply
from desk.actions.users import create_token
from desk.db import Database, commit
from desk.models import Job, Ticket, User
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
        from sqlmodel import func, select
        jobs = session.exec(select(func.count()).select_from(Job).where(Job.name == JOB)).one()
    assert jobs >= 1
