"""Retention: the rules, what they would touch now, the next and the last runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, not_, or_
from sqlmodel import Session, col, select

from desk.models import (
    AuditEntry,
    Customer,
    Job,
    JobStatus,
    RawMessage,
    RawMessageBytes,
    RawStatus,
    RetentionKind,
    RetentionRule,
    Ticket,
)
from desk.models.base import now

JOB = "apply_retention"
FINISHED = ("solved", "closed")
# Mail that opened no ticket and that nobody needs to look at again.
UNFILED = (RawStatus.duplicate, RawStatus.autoreply, RawStatus.bounce, RawStatus.discarded)


def retention_days(session: Session) -> dict[str, int | None]:
    """Each kind's days (None: the rule is off)."""
    found = {r.kind: r.days for r in session.exec(select(RetentionRule))}
    return {kind.value: found.get(kind.value) for kind in RetentionKind}


def cutoff(days: int, at: datetime | None = None) -> datetime:
    return (at or now()) - timedelta(days=days)


def raw_mail_due(session: Session, before: datetime, limit: int) -> list[int]:
    """Ids of raw mails still holding bytes that the raw-mail rule empties: their ticket is
    solved or closed and untouched since ``before``, or they opened no ticket and arrived
    before it."""
    finished = and_(col(Ticket.status).in_(FINISHED), col(Ticket.updated_at) < before)
    unfiled = and_(col(RawMessage.ticket_id).is_(None), col(RawMessage.status).in_(UNFILED))
    query = (select(RawMessage.id)
             .join(RawMessageBytes, col(RawMessageBytes.raw_id) == col(RawMessage.id))
             .outerjoin(Ticket, col(Ticket.id) == col(RawMessage.ticket_id))
             .where(col(RawMessage.created_at) < before, func.length(RawMessageBytes.raw) > 0,
                    or_(finished, unfiled))
             .order_by(col(RawMessage.id)).limit(limit))
    return [i for i in session.exec(query) if i is not None]


def customers_due(session: Session, before: datetime, limit: int) -> list[int]:
    """Customers the anonymisation rule takes: not anonymised or merged away, with tickets,
    every one of them solved or closed and untouched since ``before``."""
    theirs = col(Ticket.customer_id) == col(Customer.id)
    still_live = or_(col(Ticket.status).not_in(FINISHED), col(Ticket.updated_at) >= before)
    query = (select(Customer.id)
             .where(col(Customer.anonymised_at).is_(None), col(Customer.merged_into_id).is_(None),
                    exists().where(theirs), not_(exists().where(theirs, still_live)))
             .order_by(col(Customer.id)).limit(limit))
    return [i for i in session.exec(query) if i is not None]


def tickets_due(session: Session, before: datetime, limit: int) -> list[int]:
    """Tickets the content rule takes: solved or closed, untouched since ``before``, their
    content not removed yet; the oldest first."""
    query = (select(Ticket.id)
             .where(col(Ticket.status).in_(FINISHED), col(Ticket.updated_at) < before,
                    col(Ticket.content_removed_at).is_(None))
             .order_by(col(Ticket.id)).limit(limit))
    return [i for i in session.exec(query) if i is not None]


def next_run(session: Session) -> datetime | None:
    """When the retention job runs next (None: not scheduled)."""
    return session.exec(select(func.min(Job.run_at)).where(
        Job.name == JOB, Job.status == JobStatus.queued)).one()


def last_runs(session: Session, limit: int = 10) -> list[AuditEntry]:
    """The audit rows of the last runs, newest first."""
    return list(session.exec(select(AuditEntry).where(
        AuditEntry.entity == "retention", AuditEntry.action == "ran")
        .order_by(col(AuditEntry.id).desc()).limit(limit)))
