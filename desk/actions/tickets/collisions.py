"""Stale forms: a save made from a page opened before someone else changed the ticket.

Every change to a ticket or its conversation adds one to `ticket.version` (`bump_version`,
or `VERSION_PLUS_ONE` in Core statements). A form carries the version it was opened at; a
save claims the ticket at that version in one conditional UPDATE (`claim_version`), so two
agents saving at once cannot both win, on SQLite or PostgreSQL, and the loser is told."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from desk.models import Message, Ticket
from desk.models.tables import TICKETS

# For Core updates of tickets (the intake, hand-overs): version = version + 1.
VERSION_PLUS_ONE: Any = TICKETS.c.version + 1


class StaleTicket(Exception):
    """The ticket changed since the form was opened; nothing was written."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"ticket {ticket_id} changed since the form was opened")
        self.ticket_id = ticket_id


@dataclass(frozen=True)
class Seen:
    """What a form saw when its page was opened: the ticket's version and its last message."""

    version: int
    last_message: int = 0


def bump_version(ticket: Ticket) -> None:
    """One more change: an SQL expression, so concurrent bumps add up instead of overwriting."""
    ticket.version = col(Ticket.version) + 1  # type: ignore[assignment]


def claim_version(session: Session, ticket: Ticket, seen: int) -> None:
    """Take the ticket for a change if it is still at version ``seen`` (and lock its row until
    the commit on PostgreSQL); raise StaleTicket, with nothing written, if it moved on. The
    ticket object is read again so the change applies to what is stored now."""
    assert ticket.id is not None
    taken = session.connection().execute(
        update(TICKETS).where(TICKETS.c.id == ticket.id, TICKETS.c.version == seen)
        .values(version=VERSION_PLUS_ONE))
    if taken.rowcount != 1:
        session.refresh(ticket)
        raise StaleTicket(ticket.id)
    session.refresh(ticket)


def check_no_new_messages(session: Session, ticket: Ticket, seen: Seen) -> None:
    """Raise StaleTicket when a message (the customer's, a colleague's reply or note) came
    after the last one the form saw, or the ticket was merged into another since (its
    conversation goes on there)."""
    assert ticket.id is not None
    if ticket.merged_into_id is not None:
        raise StaleTicket(ticket.id)
    newer = session.exec(select(Message.id).where(
        Message.ticket_id == ticket.id, col(Message.id) > seen.last_message).limit(1)).first()
    if newer is not None:
        raise StaleTicket(ticket.id)
