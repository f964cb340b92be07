"""Who gets a survey: one per resolution, in the customer's language; none for customers or
tickets that opted out, for addresses whose last mail bounced, for tickets reopened before
the survey was due, and never twice for one solve."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from desk.actions.audit import SYSTEM
from desk.actions.surveys.scheduling import schedule_survey
from desk.actions.surveys.sending import send_due_surveys
from desk.db import Database, commit
from desk.models import (
    CustomerTag,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
    SurveyStatus,
    Ticket,
    TicketTag,
    User,
)
from desk.settings import Settings
from tests.desk.surveys.helpers import (
    clock_moves,
    mailed_ticket,
    reopen,
    run_due_jobs,
    solve,
    surveys,
)

MakeUser = Callable[..., User]


def _solved_and_due(db: Database, agent: User, ticket_id: int) -> None:
    solve(db, agent, ticket_id)
    run_due_jobs(db)
    clock_moves(db, 61)
    run_due_jobs(db)


def _survey_mails(db: Database) -> list[OutboundMessage]:
    with db.session() as session:
        return list(session.exec(select(OutboundMessage).where(
            OutboundMessage.kind == OutboundKind.survey)))


def test_the_survey_mail_is_in_the_customers_language_with_five_answer_links(
    db: Database, settings: Settings, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    _solved_and_due(db, agent, mailed_ticket(db, settings, locale="zh-CN"))
    (mail,) = _survey_mails(db)
    assert mail.body_text.count("/surveys/") == 5
    for rating in range(1, 6):
        assert f"?rating={rating}" in mail.body_text
    # The English words are the msgids; the Chinese catalog replaces them once merged.
    assert "Cleo Customer" in mail.body_text


def test_no_survey_for_a_customer_who_opted_out_or_a_ticket_tagged_so(
    db: Database, settings: Settings, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    first = mailed_ticket(db, settings, email="opted@example.com")
    second = mailed_ticket(db, settings, email="other@example.com")
    with db.session() as session:
        ticket = session.get(Ticket, first)
        assert ticket is not None
        session.add(CustomerTag(customer_id=ticket.customer_id, tag="no-survey"))
        session.add(TicketTag(ticket_id=second, tag="no-survey"))
        commit(session)
    _solved_and_due(db, agent, first)
    _solved_and_due(db, agent, second)
    assert [(s.status, s.skip_reason) for s in surveys(db)] == [
        (SurveyStatus.skipped, "customer_opted_out"), (SurveyStatus.skipped, "ticket_opted_out")]
    assert _survey_mails(db) == []


def test_no_survey_to_an_address_whose_last_mail_bounced(
    db: Database, settings: Settings, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    ticket_id = mailed_ticket(db, settings, email="gone@example.com")
    with db.session() as session:  # the acknowledgement came back as a bounce
        for row in session.exec(select(OutboundMessage).where(
                OutboundMessage.to_address == "gone@example.com")):
            row.status = OutboundStatus.failed
            session.add(row)
        commit(session)
    _solved_and_due(db, agent, ticket_id)
    (survey,) = surveys(db)
    assert survey.status == SurveyStatus.skipped and survey.skip_reason == "address_bounced"


def test_a_ticket_reopened_before_its_survey_was_due_gets_none_until_solved_again(
    db: Database, settings: Settings, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    ticket_id = mailed_ticket(db, settings)
    solve(db, agent, ticket_id)
    run_due_jobs(db)
    reopen(db, agent, ticket_id)
    clock_moves(db, 61)
    run_due_jobs(db)
    assert [(s.status, s.skip_reason) for s in surveys(db)] == [(SurveyStatus.skipped, "not_solved")]
    _solved_and_due(db, agent, ticket_id)
    assert [s.status for s in surveys(db)] == [SurveyStatus.skipped, SurveyStatus.sent]


def test_solved_twice_before_the_first_survey_was_due_sends_one_survey(
    db: Database, settings: Settings, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    ticket_id = mailed_ticket(db, settings)
    solve(db, agent, ticket_id)
    run_due_jobs(db)
    reopen(db, agent, ticket_id)
    _solved_and_due(db, agent, ticket_id)
    assert [(s.status, s.skip_reason) for s in surveys(db)] == [
        (SurveyStatus.skipped, "superseded"), (SurveyStatus.sent, "")]
    assert len(_survey_mails(db)) == 1


def test_the_handler_run_twice_schedules_one_survey_and_sending_twice_sends_one_mail(
    db: Database, settings: Settings, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    ticket_id = mailed_ticket(db, settings)
    solve(db, agent, ticket_id)
    run_due_jobs(db)
    with db.session() as session:
        assert schedule_survey(session, settings, ticket_id) is None
        commit(session)
    clock_moves(db, 61)
    with db.session() as session:
        assert send_due_surveys(session, settings) == (1, 1)
        assert send_due_surveys(session, settings) == (0, 0)
        commit(session)
    assert len(_survey_mails(db)) == 1


def test_the_snapshot_keeps_team_tier_and_times_as_they_were_at_the_solve(
    db: Database, settings: Settings, make_user: MakeUser,
) -> None:
    from desk.actions.users import ensure_team

    agent = make_user("agent")
    with db.session() as session:
        team = ensure_team(session, SYSTEM, "Printers")
        commit(session)
    ticket_id = mailed_ticket(db, settings, team_id=team.id)
    solve(db, agent, ticket_id)
    run_due_jobs(db)
    (survey,) = surveys(db)
    assert survey.team_id == team.id and survey.agent_id == agent.id
    assert survey.channel == "email" and survey.tier == "standard"
    assert survey.first_response_seconds is None  # solved without a public reply
    assert survey.resolution_seconds is not None and survey.resolution_seconds >= 0
