"""Solves that must not ask the customer anything: a ticket merged into another after its
solve, a ticket closed as spam, a customer whose every mail was an auto-reply, and a rule's
solve when the admin keeps those from surveys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, select
from starlette.testclient import TestClient

from desk.actions.audit import SYSTEM, Actor
from desk.actions.rules.manage import create_rule
from desk.actions.surveys.eligibility import Candidate, Facts, skip_reason
from desk.actions.tickets.changes import update_ticket
from desk.actions.tickets.merging import merge_tickets
from desk.actions.users import create_token
from desk.db import Database, commit
from desk.models import AuditEntry, Customer, RawMessage, RawStatus, SurveyStatus, Ticket, User
from desk.settings import Settings
from tests.conftest import csrf_of, sign_in
from tests.desk.surveys.helpers import (
    clock_moves,
    mailed_ticket,
    reopen,
    run_due_jobs,
    solve,
    surveys,
)
from tests.desk.test_mail_send import customer_mail, ingest

MakeUser = Callable[..., User]


def _due(db: Database) -> None:
    run_due_jobs(db)
    clock_moves(db, 61)
    run_due_jobs(db)


def _by_ticket(db: Database) -> dict[int, tuple[str, str]]:
    return {s.ticket_id: (s.status, s.skip_reason) for s in surveys(db)}


def test_a_ticket_merged_after_its_solve_gets_no_survey(
    db: Database, settings: Settings, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    solved = mailed_ticket(db, settings)
    other = mailed_ticket(db, settings)  # the same customer writes again
    solve(db, agent, solved)
    run_due_jobs(db)  # its survey waits for the delay
    with db.session() as session:
        source, target = session.get(Ticket, solved), session.get(Ticket, other)
        assert source is not None and target is not None
        merge_tickets(session, Actor.of_user(agent), source, target)
    _due(db)
    assert _by_ticket(db) == {solved: (SurveyStatus.skipped, "ticket_merged")}


def test_a_merged_ticket_is_never_a_survey_candidate() -> None:
    customer = Customer(id=1, name="Cleo", email="cleo@example.com")
    facts = Facts(frozenset(), frozenset(), frozenset())
    merged = Ticket(id=7, subject="x", status="closed", channel="email", customer_id=1,
                    merged_into_id=8)
    assert skip_reason(Candidate(merged, customer), facts) == "ticket_merged"
    assert skip_reason(Candidate(Ticket(id=8, subject="x", status="solved", channel="email",
                                        customer_id=1), customer), facts) == ""


def test_spam_on_the_ticket_page_closes_it_tagged_and_its_solve_gets_no_survey(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    ticket_id = mailed_ticket(db, settings)
    solve(db, agent, ticket_id)
    run_due_jobs(db)  # solved first (say, by a macro); seen to be spam before the survey went
    sign_in(client, agent)
    page = client.get(f"/agent/tickets/{ticket_id}").text
    form = page.split('data-action="spam"', 1)[1].split("</form>", 1)[0]
    fields = dict(part.split('" value="', 1) for part in
                  (p.split('name="', 1)[1].split('">', 1)[0] for p in form.split("<input")[1:]))
    assert fields["status"] == "closed" and "spam" in fields["tags"]
    done = client.post(f"/agent/tickets/{ticket_id}", data=fields, follow_redirects=False)
    assert done.status_code == 303
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.status == "closed"
    assert 'data-action="spam"' not in client.get(f"/agent/tickets/{ticket_id}").text
    _due(db)
    assert _by_ticket(db) == {ticket_id: (SurveyStatus.skipped, "spam")}


def test_spam_over_the_api_is_the_closed_status_and_the_spam_tag(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    ticket_id = mailed_ticket(db, settings)
    solve(db, agent, ticket_id)
    run_due_jobs(db)
    with db.session() as session:
        token = create_token(session, SYSTEM, agent)
        commit(session)
    done = client.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "closed", "tags": ["spam"]},
                        headers={"Authorization": f"Bearer {token}"})
    assert done.status_code == 200 and done.json()["status"] == "closed"
    _due(db)
    assert _by_ticket(db) == {ticket_id: (SurveyStatus.skipped, "spam")}


def _auto_reply(message_id: str, answers: str) -> bytes:
    return customer_mail(message_id, subject="自动回复: 打印机坏了", body="我正在休假。",
                         extra=f"Auto-Submitted: auto-replied\r\nIn-Reply-To: {answers}\r\n")


def _ticket_of(session: Session, message_id: str) -> int:
    row = session.exec(select(RawMessage).where(RawMessage.message_id == message_id)).one()
    assert row.ticket_id is not None
    return row.ticket_id


def test_no_survey_to_a_customer_whose_every_mail_was_an_auto_reply(
    db: Database, settings: Settings, make_user: MakeUser,
) -> None:
    agent = make_user("agent")
    with db.session() as session:
        report = ingest(session, settings, customer_mail("<help@customer.example>"))
        assert report.opened == 1
        # Out of office meanwhile: the auto-reply lands on the ticket, recognised as such.
        report = ingest(session, settings, _auto_reply("<away@customer.example>",
                                                       "<help@customer.example>"))
        assert report.autoreplies == 1
        ticket_id = _ticket_of(session, "<help@customer.example>")
    solve(db, agent, ticket_id)
    _due(db)
    # A person wrote the first mail: the survey goes.
    assert _by_ticket(db)[ticket_id] == (SurveyStatus.sent, "")
    with db.session() as session:
        # Had the first mail been a machine's too (the address is a mailbox's auto-responder),
        # nobody there would answer.
        row = session.exec(select(RawMessage).where(
            RawMessage.message_id == "<help@customer.example>")).one()
        row.status = RawStatus.autoreply
        session.add(row)
        commit(session)
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        update_ticket(session, SYSTEM, ticket, {"status": "open"})
        commit(session)
    solve(db, agent, ticket_id)
    _due(db)
    assert [(s.status, s.skip_reason) for s in surveys(db)][-1] == (
        SurveyStatus.skipped, "auto_replies_only")


def _solving_rule(session: Session) -> None:
    doc: dict[str, Any] = {
        "name": "Printer fires are solved by the FAQ", "events": ["ticket_created"],
        "conditions": {"match": "all", "items": [
            {"field": "subject", "op": "contains", "value": "printer"}]},
        "actions": [{"type": "set_status", "value": "solved"}]}
    create_rule(session, SYSTEM, doc)
    commit(session)


def test_a_rule_solve_gets_a_survey_unless_the_admin_keeps_rule_solves_from_surveys(
    db: Database, settings: Settings, client: TestClient, make_user: MakeUser,
) -> None:
    with db.session() as session:
        _solving_rule(session)
    first = mailed_ticket(db, settings)
    _due(db)
    assert _by_ticket(db) == {first: (SurveyStatus.sent, "")}  # by default: yes

    sign_in(client, make_user("admin"))
    assert 'name="rule_solves" value="1" checked' in client.get("/admin/surveys").text
    saved = client.post("/admin/surveys", data={
        "csrf_token": csrf_of(client, "/admin/surveys"), "delay_minutes": "60", "scale": "5",
        "low_rating": "2", "low_notifies": "1"}, follow_redirects=False)
    assert saved.status_code == 303
    assert 'name="rule_solves" value="1" checked' not in client.get("/admin/surveys").text
    with db.session() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "settings")).one()
        assert entry.changes["surveys"]["rule_solves"] == [True, False]

    second = mailed_ticket(db, settings, email="dora@example.com")
    _due(db)
    assert _by_ticket(db)[second] == (SurveyStatus.skipped, "solved_by_rule")
    # An agent's solve still gets one.
    third = mailed_ticket(db, settings, email="eve@example.com")
    run_due_jobs(db)  # the rule solves it
    agent = make_user("agent")
    reopen(db, agent, third)
    solve(db, agent, third)
    _due(db)
    assert [(s.status, s.skip_reason) for s in surveys(db) if s.ticket_id == third] == [
        (SurveyStatus.skipped, "solved_by_rule"), (SurveyStatus.sent, "")]
