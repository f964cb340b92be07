"""A low answer is news: the admin chooses what it does (/admin/surveys). Notify: the agent
who solved the ticket and every active supervisor get a notification (kind `low_rating`)
linking to the ticket. Reopen: the ticket opens again, for the agent to follow up."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.actions.audit import SYSTEM
from desk.actions.tickets.changes import update_ticket
from desk.db import committed
from desk.models import Notification, Role, Status, Survey, Ticket, User


def notify_low_rating(session: Session, survey_id: int, threshold: int) -> int:
    """Notifications for the survey's latest answer when it is `threshold` or lower (0: never);
    committed. Returns how many were written."""
    survey = session.get(Survey, survey_id)
    if survey is None or survey.rating is None or survey.rating > threshold:
        return 0
    supervisors = session.exec(select(User.id).where(
        col(User.role) == Role.supervisor, col(User.is_active).is_(True))).all()
    recipients = {i for i in (survey.agent_id, *supervisors) if i is not None}
    with committed(session):
        for user_id in sorted(recipients):
            session.add(Notification(user_id=user_id, ticket_id=survey.ticket_id,
                                     kind="low_rating"))
    return len(recipients)


def reopen_on_low_rating(session: Session, survey_id: int, threshold: int) -> bool:
    """Reopen the survey's ticket when its latest answer is `threshold` or lower and the
    ticket is still solved (not closed, not reopened already); committed."""
    survey = session.get(Survey, survey_id)
    if survey is None or survey.rating is None or survey.rating > threshold:
        return False
    ticket = session.get(Ticket, survey.ticket_id)
    if ticket is None or ticket.status != Status.solved:
        return False
    with committed(session):
        update_ticket(session, SYSTEM, ticket, {"status": Status.open})
    return True
