"""A low answer is news: the agent who solved the ticket and every active supervisor get a
notification (kind `low_rating`) linking to the ticket."""

from __future__ import annotations

from sqlmodel import Session, col, select

from desk.db import committed
from desk.models import Notification, Role, Survey, User


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
