"""A solve schedules one survey, with the ticket's snapshot, and a job for when it is due."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from desk.actions.jobs import enqueue
from desk.models import Customer, Survey, SurveyStatus, Ticket
from desk.models.base import aware
from desk.queries.surveys.settings import survey_settings
from desk.settings import Settings

# The job that sends every survey due; one is queued for each survey's due time.
SEND_JOB = "send_due_surveys"



def _seconds(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else max(0, int((aware(end) - aware(start)).total_seconds()))


def _already_scheduled(session: Session, ticket_id: int, solved_at: datetime) -> bool:
    """A survey for this very solve exists (the handler ran twice)."""
    count = session.exec(select(func.count()).select_from(Survey).where(
        Survey.ticket_id == ticket_id, col(Survey.solved_at) >= solved_at)).one()
    return bool(count)


def schedule_survey(session: Session, settings: Settings, ticket_id: int,
                    skip_reason: str = "") -> Survey | None:
    """The survey of the ticket's latest solve, due the admin's delay after it, with a
    job queued for then; None when the ticket is not solved or this solve has one already.
    Whether it may go is decided when it is due (the customer may opt out meanwhile).
    With `skip_reason`, the solve's row is written skipped for that reason, and no job."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.solved_at is None:
        return None
    customer = session.get(Customer, ticket.customer_id)
    if customer is None or customer.id is None or _already_scheduled(session, ticket_id,
                                                                      ticket.solved_at):
        return None
    due = aware(ticket.solved_at) + timedelta(minutes=survey_settings(session, settings).delay_minutes)
    survey = Survey(
        ticket_id=ticket_id, customer_id=customer.id,
        status=SurveyStatus.skipped if skip_reason else SurveyStatus.scheduled,
        skip_reason=skip_reason, due_at=due,
        agent_id=ticket.assignee_id, team_id=ticket.team_id, channel=ticket.channel,
        tier=customer.tier, organization_id=customer.organization_id,
        first_response_seconds=_seconds(ticket.created_at, ticket.first_response_at),
        resolution_seconds=_seconds(ticket.created_at, ticket.solved_at),
        solved_at=ticket.solved_at,
    )
    # One survey per ticket waits at a time: an earlier solve's, not yet sent, gives way.
    session.execute(update(Survey).where(
        col(Survey.ticket_id) == ticket_id, col(Survey.status) == SurveyStatus.scheduled,
    ).values(status=SurveyStatus.skipped, skip_reason="superseded"))
    session.add(survey)
    session.flush()
    if not skip_reason:
        enqueue(session, SEND_JOB, run_at=due)
    return survey
