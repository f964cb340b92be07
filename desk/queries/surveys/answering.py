"""The survey a signed link names, with its ticket and customer."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.models import Customer, Survey, SurveyStatus, Ticket

# Only a survey whose mail went out can be answered (a scheduled or skipped one has no link).
ANSWERABLE = (SurveyStatus.sent, SurveyStatus.answered)


def survey_to_answer(session: Session, survey_id: int, ticket_id: int
                     ) -> tuple[Survey, Ticket, Customer] | None:
    """None unless the survey exists, is of that ticket and was sent."""
    row = session.exec(
        select(Survey, Ticket, Customer)
        .join(Ticket, col(Ticket.id) == Survey.ticket_id)
        .join(Customer, col(Customer.id) == Survey.customer_id)
        .where(Survey.id == survey_id, Survey.ticket_id == ticket_id)).first()
    if row is None or row[0].status not in ANSWERABLE:
        return None
    return row[0], row[1], row[2]


def latest_ratings(session: Session, ticket_ids: list[int]) -> dict[int, int]:
    """The latest answered rating of each ticket that has one (the customer's timeline)."""
    if not ticket_ids:
        return {}
    rows = session.exec(
        select(Survey.ticket_id, Survey.rating)
        .where(col(Survey.ticket_id).in_(ticket_ids), col(Survey.rating).is_not(None))
        .order_by(col(Survey.id))).all()
    return {ticket_id: rating for ticket_id, rating in rows if rating is not None}


def latest_sent_survey(session: Session, ticket_id: int) -> Survey | None:
    """The ticket's latest survey that went out (what its request page offers to answer)."""
    return session.exec(
        select(Survey).where(Survey.ticket_id == ticket_id, col(Survey.status).in_(ANSWERABLE))
        .order_by(col(Survey.id).desc()).limit(1)).first()
