"""Survey test data made by the real actions: a mailed-in ticket, solved by an agent, and
the clock moved past the survey's delay."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from channels.message import Identity, InboundMessage, ThreadKeys
from desk.actions.audit import SYSTEM, Actor
from desk.actions.ingest.one import ingest_message
from desk.actions.tickets.changes import update_ticket
from desk.db import Database, commit
from desk.jobs.runner import due_jobs, execute_job
from desk.models import Job, JobStatus, Survey, SurveyStatus, Ticket, User
from desk.settings import Settings
from desk.survey_links import survey_token


def run_due_jobs(db: Database) -> int:
    """What the job runner does now: every due job, until none is left."""
    ran = 0
    while ids := due_jobs(db):
        for job_id in ids:
            execute_job(db, job_id)
            ran += 1
    return ran


def solve(db: Database, agent: User, ticket_id: int, **changes: object) -> None:
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        update_ticket(session, Actor.of_user(agent), ticket,
                      {"status": "solved", "assignee_id": agent.id, **changes})
        commit(session)


def reopen(db: Database, agent: User, ticket_id: int) -> None:
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        update_ticket(session, Actor.of_user(agent), ticket, {"status": "open"})
        commit(session)


def clock_moves(db: Database, minutes: int) -> None:
    """As if `minutes` had passed: waiting surveys and jobs fall due that much sooner."""
    delta = timedelta(minutes=minutes)
    with db.session() as session:
        for survey in session.exec(select(Survey)):
            survey.due_at = survey.due_at - delta
            session.add(survey)
        for job in session.exec(select(Job).where(Job.status == JobStatus.queued)):
            job.run_at = job.run_at - delta
            session.add(job)
        session.commit()


def surveys(db: Database) -> list[Survey]:
    with db.session() as session:
        return list(session.exec(select(Survey).order_by(col(Survey.id))))


LINK = re.compile(r"(https?://\S+/surveys/[^\s?]+)\?rating=(\d)")


def links_of(text: str) -> dict[int, str]:
    """The answer links of a survey mail's text, by rating: path and query, for a client."""
    return {int(rating): "/" + url.split("://", 1)[1].split("/", 1)[1] + f"?rating={rating}"
            for url, rating in LINK.findall(text)}


def mailed_ticket(db: Database, settings: Settings, email: str = "cleo@example.com",
                  locale: str = "en", team_id: int | None = None) -> int:
    """A ticket opened the way a customer's mail opens one."""
    inbound = InboundMessage(channel="email", sender=Identity("email", email, "Cleo Customer"),
                             subject="The printer is on fire", text="Please help.",
                             locale=locale,
                             thread=ThreadKeys(message_id=f"<{secrets.token_hex(8)}@mail.example>"))
    with db.session() as session:
        ticket, _ = ingest_message(session, settings, inbound)
        if team_id is not None:
            update_ticket(session, SYSTEM, ticket, {"team_id": team_id})
        commit(session)
        assert ticket.id is not None
        return ticket.id


def sent_survey(db: Database, settings: Settings, agent: User, **ticket: Any) -> tuple[Survey, str]:
    """A survey of a solved ticket whose delay has passed and whose mail is in the outbox,
    with the path of its answer page."""
    ticket_id = mailed_ticket(db, settings, **ticket)
    solve(db, agent, ticket_id)
    run_due_jobs(db)
    clock_moves(db, 61)
    run_due_jobs(db)
    survey = [s for s in surveys(db) if s.ticket_id == ticket_id][-1]
    assert survey.id is not None and survey.status == SurveyStatus.sent
    return survey, "/surveys/" + survey_token(settings.secret_key, survey.id, ticket_id)
