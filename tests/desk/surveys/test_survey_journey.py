"""The survey end to end: a mailed-in ticket is solved, the clock passes the delay, the
survey mail reaches a real SMTP server, opening its link records nothing, submitting the
form does, and the dashboard, the API and the customer's timeline show the answer."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM
from desk.actions.users import create_token
from desk.db import Database, commit
from desk.models import Job, OutboundKind, OutboundMessage, SurveyStatus, Ticket, User
from desk.settings import Settings
from tests.conftest import sign_in
from tests.desk.surveys.helpers import clock_moves, links_of, run_due_jobs, solve, surveys
from tests.desk.test_mail_send import opened_ticket
from tests.smtp_server import SmtpServer

MakeUser = Callable[..., User]


def test_a_solved_ticket_gets_a_survey_whose_link_records_nothing_until_submitted(
    db: Database, settings: Settings, smtp_server: SmtpServer, client: TestClient,
    make_user: MakeUser,
) -> None:
    ticket_id = opened_ticket(db, settings, smtp_server)
    agent = make_user("agent", name="王芳")
    solve(db, agent, ticket_id)
    run_due_jobs(db)  # the handler schedules the survey; it is not due for an hour

    (survey,) = surveys(db)
    assert survey.status == SurveyStatus.scheduled and smtp_server.messages == []
    assert survey.agent_id == agent.id and survey.channel == "email"
    assert survey.resolution_seconds is not None and survey.tier == "standard"
    clock_moves(db, 59)
    run_due_jobs(db)
    assert smtp_server.messages == [] and surveys(db)[0].status == SurveyStatus.scheduled

    clock_moves(db, 2)
    run_due_jobs(db)
    (received,) = smtp_server.messages
    message = received.message
    assert received.rcpt_tos == ["li@customer.example"]
    assert f"[#{ticket_id}]" in message["Subject"]
    assert message["Auto-Submitted"] not in (None, "no")  # automatic: no out-of-office loops
    body = message.get_content()
    links = links_of(body)
    assert sorted(links) == [1, 2, 3, 4, 5]
    assert surveys(db)[0].status == SurveyStatus.sent

    # A mail scanner (or the customer) opens the "2" link: the page, "2" chosen, nothing kept.
    page = client.get(links[2])
    assert page.status_code == 200
    assert 'value="2" checked' in page.text
    assert surveys(db)[0].rating is None and surveys(db)[0].status == SurveyStatus.sent
    assert page.headers["cache-control"] == "no-store"

    path = links[2].split("?")[0]
    answered = client.post(path, data={"rating": "2", "comment": "打印机还是不行"},
                           follow_redirects=False)
    assert answered.status_code == 303
    assert surveys(db)[0].rating == 2 and surveys(db)[0].comment == "打印机还是不行"

    # They change their mind: the last answer counts, and each answer is an event.
    client.post(path, data={"rating": "5", "comment": "Fixed after all"})
    (final,) = surveys(db)
    assert final.rating == 5 and final.answers == 2 and final.status == SurveyStatus.answered
    with db.session() as session:  # one job per survey, at its due time
        assert len(session.exec(select(Job).where(Job.name == "send_due_surveys")).all()) == 1

    supervisor = make_user("admin", name="Sam Supervisor")
    sign_in(client, supervisor)
    dashboard = client.get("/reports/?days=7")
    assert dashboard.status_code == 200
    assert 'data-total="answers"><dt>Answers</dt><dd>1</dd>' in dashboard.text
    assert "王芳" in dashboard.text
    assert 'data-total="csat"><dt>CSAT</dt><dd>100%</dd>' in dashboard.text

    with db.session() as session:
        token = create_token(session, SYSTEM, supervisor, name="reports")
        commit(session)
    api = client.get("/api/v1/reports/satisfaction?days=7",
                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200, api.text
    data = api.json()
    assert data["answers"] == 1 and data["csat"] == 1.0 and data["average"] == 5.0
    assert data["surveys_sent"] == 1 and data["response_rate"] == 1.0
    assert data["by_agent"][0]["label"] == "王芳" and data["by_agent"][0]["answers"] == 1
    assert data["by_channel"][0]["key"] == "email"

    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        customer_id = ticket.customer_id
    timeline = client.get(f"/agent/customers/{customer_id}")
    assert '<td class="satisfaction">5/5</td>' in timeline.text


def test_a_reopened_ticket_solved_again_gets_a_new_survey(
    db: Database, settings: Settings, smtp_server: SmtpServer, make_user: MakeUser,
) -> None:
    from tests.desk.surveys.helpers import reopen

    ticket_id = opened_ticket(db, settings, smtp_server)
    agent = make_user("agent")
    solve(db, agent, ticket_id)
    run_due_jobs(db)
    clock_moves(db, 61)
    run_due_jobs(db)
    reopen(db, agent, ticket_id)
    solve(db, agent, ticket_id)
    run_due_jobs(db)
    clock_moves(db, 61)
    run_due_jobs(db)

    assert [s.status for s in surveys(db)] == [SurveyStatus.sent, SurveyStatus.sent]
    assert len(smtp_server.messages) == 2
    with db.session() as session:
        sent = session.exec(select(OutboundMessage).where(
            OutboundMessage.kind == OutboundKind.survey)).all()
    assert len(sent) == 2
