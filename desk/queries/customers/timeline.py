"""A customer's timeline: their tickets from every channel, the notes kept on the record and
the record's changes, newest first, capped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from desk.models import AuditEntry, CustomerNote, Ticket, User
from desk.queries.surveys.answering import latest_ratings
from desk.queries.tickets.queue import visible_to

TIMELINE_CAP = 200
# Notes are on the timeline as themselves; their audit rows would show them twice.
_NOT_SHOWN = ("note_added",)


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # ticket, note, change
    at: datetime
    ticket: Ticket | None = None
    note: CustomerNote | None = None
    change: AuditEntry | None = None
    # The ticket's latest satisfaction answer ("4/5"), None when there is none.
    satisfaction: str | None = None


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    # True when older entries were left off (only the latest TIMELINE_CAP are shown).
    capped: bool


def customer_timeline(session: Session, user: User, customer_id: int,
                      cap: int = TIMELINE_CAP) -> Timeline:
    """The latest ``cap`` entries; tickets ``user`` may not see are left out."""
    tickets = select(Ticket).where(Ticket.customer_id == customer_id)
    access = visible_to(session, user)
    if access is not None:
        tickets = tickets.where(access)
    shown = list(session.exec(
        tickets.order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc()).limit(cap + 1)))
    ratings = latest_ratings(session, [t.id for t in shown if t.id is not None])
    entries = [TimelineEntry("ticket", t.created_at, ticket=t,
                             satisfaction=f"{ratings[t.id]}/5" if t.id in ratings else None)
               for t in shown]
    entries += [TimelineEntry("note", n.created_at, note=n) for n in session.exec(
        select(CustomerNote).where(CustomerNote.customer_id == customer_id)
        .order_by(col(CustomerNote.id).desc()).limit(cap + 1))]
    entries += [TimelineEntry("change", a.at, change=a) for a in session.exec(
        select(AuditEntry).where(AuditEntry.entity == "customer", AuditEntry.entity_id == customer_id,
                                 col(AuditEntry.action).not_in(_NOT_SHOWN))
        .order_by(col(AuditEntry.id).desc()).limit(cap + 1))]
    # All UTC; SQLite hands them back naive, PostgreSQL aware.
    entries.sort(key=lambda e: e.at.replace(tzinfo=None), reverse=True)
    return Timeline(entries[:cap], len(entries) > cap)
