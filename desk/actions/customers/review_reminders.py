"""Review reminders: once a day, each owner of customer records that fell due for review
(their tier's days without a review, `desk.queries.customers.care.review_policy`) is told,
once per record and due period, by an in-app notification per record (the bell's unread
count in the top bar, like every news about a customer record), so nobody has to open the
review list to find out. Mail is not sent: the outbox carries mail of a ticket, and a
record's news has none. The job books its next run itself while any record has an owner;
giving records an owner books the first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from desk.actions.jobs import enqueue
from desk.models import Notification, User
from desk.models.base import now
from desk.queries.customers.care import any_owned_record, due_unreminded, job_waiting

JOB = "remind_reviews"
EVERY = timedelta(days=1)
KIND = "review_due"


def book_review_reminders(session: Session, delay: timedelta = timedelta(minutes=1)) -> None:
    """Queue the next run unless one waits; the caller commits."""
    if not job_waiting(session, JOB):
        enqueue(session, JOB, run_at=now() + delay)


def remind_reviews(session: Session, at: datetime | None = None) -> int:
    """Tell each owner of records due and not yet reminded; books the next run while any
    record has an owner. Returns how many records were reminded; the caller commits."""
    moment = at or now()
    reminded = 0
    active: dict[int, bool] = {}
    for record in due_unreminded(session, moment):
        if record.owner_id not in active:
            owner = session.get(User, record.owner_id)
            active[record.owner_id] = owner is not None and owner.is_active
        if active[record.owner_id]:
            session.add(Notification(user_id=record.owner_id, customer_id=record.customer_id,
                                     kind=KIND, created_at=moment))
            reminded += 1
    if any_owned_record(session):
        enqueue(session, JOB, run_at=moment + EVERY)
    return reminded
