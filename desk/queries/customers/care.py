"""Keeping records fresh: the owner's list of records due for review, the review policy,
an agent's notifications, and what a transfer of an agent's work would move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from desk.models import Customer, Job, JobStatus, Notification, Status, Ticket, TierPolicy, User
from desk.models.base import now
from desk.models.tables import CUSTOMERS, TICKETS

PAGE_SIZE = 50
DEFAULT_REVIEW_DAYS = {"vip": 30, "standard": 90, "prospect": 180}
NOTIFICATIONS_SHOWN = 100
# A transfer moves every ticket the agent still has to work on; a pending ticket waits for
# the customer, and their answer needs someone to read it once the agent is gone.
TRANSFER_STATUSES = tuple(s.value for s in (Status.new, Status.open, Status.on_hold, Status.pending))


@dataclass
class ReviewPage:
    customers: list[Customer]
    page: int
    has_next: bool


@dataclass(frozen=True)
class NotificationRow:
    notification: Notification
    customer_name: str | None
    ticket_subject: str | None


def review_policy(session: Session) -> dict[str, int]:
    """Days without review after which a record is due, by tier (a tier without a policy row
    has the days the migration seeds)."""
    rows = {row.tier: row.review_days for row in session.exec(sqlmodel_select(TierPolicy))}
    return {**DEFAULT_REVIEW_DAYS, **rows}


def _due(policy: dict[str, int], at: datetime) -> ColumnElement[bool]:
    """One condition per tier, so each compares the record's last review with its own cutoff."""
    c = CUSTOMERS.c
    last = func.coalesce(c.reviewed_at, c.created_at)
    conditions = [and_(c.tier == tier, last < at - timedelta(days=days))
                  for tier, days in sorted(policy.items())]
    return or_(*conditions) if conditions else c.id.is_(None)


def to_review(session: Session, owner_id: int, page: int = 1, page_size: int = PAGE_SIZE,
              at: datetime | None = None) -> ReviewPage:
    """The owner's live records not reviewed within their tier's days, longest waiting first."""
    page = max(1, page)
    c = CUSTOMERS.c
    statement = (select(c.id)
                 .where(c.owner_id == owner_id, c.merged_into_id.is_(None),
                        c.anonymised_at.is_(None), _due(review_policy(session), at or now()))
                 .order_by(func.coalesce(c.reviewed_at, c.created_at), c.id)
                 .offset((page - 1) * page_size).limit(page_size + 1))
    ids = list(session.connection().execute(statement).scalars())
    has_next = len(ids) > page_size
    ids = ids[:page_size]
    by_id = {c.id: c for c in session.exec(
        sqlmodel_select(Customer).where(col(Customer.id).in_(ids)))} if ids else {}
    return ReviewPage([by_id[i] for i in ids if i in by_id], page, has_next)


@dataclass(frozen=True)
class DueRecord:
    customer_id: int
    owner_id: int


REMINDERS_PER_RUN = 10_000


def due_unreminded(session: Session, at: datetime, limit: int = REMINDERS_PER_RUN) -> list[DueRecord]:
    """Owned live records due for review whose owner has not been reminded of them since
    their last review (kind ``review_due``), by owner."""
    c = CUSTOMERS.c
    last = func.coalesce(c.reviewed_at, c.created_at)
    reminded = exists().where(Notification.customer_id == c.id,  # type: ignore[arg-type]
                              Notification.kind == "review_due",  # type: ignore[arg-type]
                              col(Notification.created_at) >= last)
    statement = (select(c.id, c.owner_id)
                 .where(c.owner_id.is_not(None), c.merged_into_id.is_(None),
                        c.anonymised_at.is_(None), _due(review_policy(session), at), ~reminded)
                 .order_by(c.owner_id, last, c.id).limit(limit))
    return [DueRecord(i, o) for i, o in session.connection().execute(statement)]


def any_owned_record(session: Session) -> bool:
    c = CUSTOMERS.c
    return session.connection().execute(
        select(c.id).where(c.owner_id.is_not(None)).limit(1)).first() is not None


def job_waiting(session: Session, name: str) -> bool:
    """Whether a job of this name is queued (its next run is booked)."""
    return session.exec(sqlmodel_select(Job.id).where(
        Job.name == name, Job.status == JobStatus.queued).limit(1)).first() is not None


def notifications_of(session: Session, user_id: int,
                     limit: int = NOTIFICATIONS_SHOWN) -> list[NotificationRow]:
    """The user's newest notifications, with the names their links show."""
    statement = (sqlmodel_select(Notification, Customer.name, Ticket.subject)
                 .outerjoin(Customer, col(Customer.id) == col(Notification.customer_id))
                 .outerjoin(Ticket, col(Ticket.id) == col(Notification.ticket_id))
                 .where(Notification.user_id == user_id)
                 .order_by(col(Notification.id).desc()).limit(limit))
    return [NotificationRow(n, name, subject) for n, name, subject in session.exec(statement)]


def unread_count(session: Session, user_id: int) -> int:
    statement = select(func.count()).select_from(Notification).where(
        col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
    return int(session.connection().execute(statement).scalar_one())


def work_of(session: Session, user_id: int) -> tuple[int, int]:
    """How many customers the agent owns and how many unfinished tickets they hold: what a
    transfer moves (records merged away included, so they follow if the merge is undone)."""
    customers = select(func.count()).where(CUSTOMERS.c.owner_id == user_id)
    tickets = select(func.count()).where(
        TICKETS.c.assignee_id == user_id, TICKETS.c.status.in_(TRANSFER_STATUSES))
    connection = session.connection()
    return (int(connection.execute(customers).scalar_one()),
            int(connection.execute(tickets).scalar_one()))


def staff_members(session: Session, active_only: bool = True) -> list[User]:
    statement = sqlmodel_select(User).order_by(col(User.name), col(User.id))
    if active_only:
        statement = statement.where(col(User.is_active).is_(True))
    return list(session.exec(statement))
