"""Follow-ups as agents see them: their own open ones, a ticket's, those due for a reminder,
and the unread notices the top bar counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from desk.models import Notification, Ticket
from desk.models.follow_ups import FollowUp

UNREAD_CAP = 100


@dataclass
class FollowUpRow:
    follow_up: FollowUp
    subject: str
    status: str


def my_follow_ups(session: Session, user_id: int, limit: int = 200) -> list[FollowUpRow]:
    """``user_id``'s follow-ups not yet done, the soonest due first."""
    query = (select(FollowUp, Ticket.subject, Ticket.status)
             .join(Ticket, col(Ticket.id) == col(FollowUp.ticket_id))
             .where(col(FollowUp.user_id) == user_id, col(FollowUp.done_at).is_(None))
             .order_by(col(FollowUp.due_at), col(FollowUp.id)).limit(limit))
    return [FollowUpRow(f, subject, status) for f, subject, status in session.exec(query)]


def ticket_follow_ups(session: Session, ticket_id: int, user_id: int) -> list[FollowUp]:
    """``user_id``'s open follow-ups on one ticket, soonest first."""
    return list(session.exec(select(FollowUp).where(
        col(FollowUp.ticket_id) == ticket_id, col(FollowUp.user_id) == user_id,
        col(FollowUp.done_at).is_(None)).order_by(col(FollowUp.due_at))))


def due_follow_ups(session: Session, moment: datetime, limit: int = 500) -> list[FollowUp]:
    """Follow-ups whose time has come and whose owner was not reminded yet."""
    return list(session.exec(select(FollowUp).where(
        col(FollowUp.reminded_at).is_(None), col(FollowUp.due_at) <= moment,
        col(FollowUp.done_at).is_(None)).order_by(col(FollowUp.due_at)).limit(limit)))


def unread_count(session: Session, user_id: int, cap: int = UNREAD_CAP) -> int:
    """The user's unread notifications, counted no further than ``cap`` (the top bar's badge)."""
    unread = (select(col(Notification.id)).where(col(Notification.user_id) == user_id,
                                                 col(Notification.read_at).is_(None))
              .limit(cap).subquery())
    return session.exec(select(func.count()).select_from(unread)).one()


def access_follow_up(session: Session, user_id: int, follow_up_id: int) -> FollowUp:
    """One of ``user_id``'s own follow-ups."""
    from desk.queries.errors import Forbidden, NotFound

    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound(follow_up_id)
    if follow_up.user_id != user_id:
        raise Forbidden(follow_up_id)
    return follow_up
