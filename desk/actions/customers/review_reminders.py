"""Review reminders: once a day, each owner of customer records that fell due for review
(their tier's days without a review, `desk.queries.customers.care.review_policy`) is told,
once per record and due period, by an in-app notification per record (the bell's unread
count in the top bar, like every news about a customer record) and one summary mail a day
listing them (`review_mail`, sent by the job like a password reset link: at once from the
default mailbox, not through the outbox, which carries mail of a ticket), so nobody has to
open the review list to find out. The job books its next run itself while any record has an
owner; giving records an owner books the first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from desk.actions.jobs import enqueue
from desk.i18n import _, gettext_for
from desk.models import Customer, Notification, User
from desk.models.base import now
from desk.queries.customers.care import any_owned_record, due_unreminded, job_waiting

JOB = "remind_reviews"
EVERY = timedelta(days=1)
KIND = "review_due"


def book_review_reminders(session: Session, delay: timedelta = timedelta(minutes=1)) -> None:
    """Queue the next run unless one waits; the caller commits."""
    if not job_waiting(session, JOB):
        enqueue(session, JOB, run_at=now() + delay)


def remind_reviews(session: Session, at: datetime | None = None) -> dict[int, list[int]]:
    """Tell each owner of records due and not yet reminded; books the next run while any
    record has an owner. Returns the records reminded (ids) by owner; the caller commits."""
    moment = at or now()
    reminded: dict[int, list[int]] = {}
    active: dict[int, bool] = {}
    for record in due_unreminded(session, moment):
        if record.owner_id not in active:
            owner = session.get(User, record.owner_id)
            active[record.owner_id] = owner is not None and owner.is_active
        if active[record.owner_id]:
            session.add(Notification(user_id=record.owner_id, customer_id=record.customer_id,
                                     kind=KIND, created_at=moment))
            reminded.setdefault(record.owner_id, []).append(record.customer_id)
    if any_owned_record(session):
        enqueue(session, JOB, run_at=moment + EVERY)
    return reminded


def review_mail(session: Session, base_url: str, owner_id: int,
                customer_ids: list[int]) -> tuple[str, str, str] | None:
    """The owner's summary mail (to, subject, text) of the records just due, in their
    language, each with its link; None when there is nobody to write to."""
    owner = session.get(User, owner_id)
    if owner is None or not owner.is_active or not owner.email or not customer_ids:
        return None
    base = base_url.rstrip("/")
    names = session.exec(select(Customer.id, Customer.name).where(
        col(Customer.id).in_(customer_ids)).order_by(col(Customer.name))).all()
    lines = "\n".join(f"- {name}: {base}/agent/customers/{number}" for number, name in names)
    subject = gettext_for(owner.locale, _("Customer records to review: %(count)s")) % {
        "count": len(names)}
    text = gettext_for(owner.locale, _(
        "Hello %(name)s,\n\nthese customer records you own have gone unreviewed for longer "
        "than their tier allows:\n\n%(records)s\n\nYour review list: %(link)s\n\n"
        "Marking a record reviewed there takes it off until it falls due again."
    )) % {"name": owner.name, "records": lines, "link": f"{base}/agent/customers/review"}
    return owner.email, subject, text
