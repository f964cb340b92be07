"""Related tickets: an agent links two tickets (each page shows the other) and unlinks them.
Each change is written in both tickets' history and committed once. A link changes nothing
an agent could overwrite, so it leaves the tickets' versions alone."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from desk.actions.audit import Actor, record
from desk.actions.jobs import publish
from desk.actions.tickets.merging import MergeError
from desk.db import commit
from desk.events import Event, TicketUpdated
from desk.i18n import _
from desk.models import Ticket
from desk.models.tickets import TicketLink


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def link_tickets(session: Session, actor: Actor, ticket: Ticket, other: Ticket) -> bool:
    """Link the two; False, with nothing written, when they were linked already."""
    assert ticket.id is not None and other.id is not None
    if ticket.id == other.id:
        raise MergeError("linked", _("A ticket cannot be linked to itself."))
    low, high = _pair(ticket.id, other.id)
    if session.get(TicketLink, (low, high)) is not None:
        return False
    session.add(TicketLink(ticket_id=low, linked_id=high, created_by_id=actor.id
                           if actor.type in ("user", "api") else None))
    _written(session, actor, ticket.id, other.id, linked=True)
    commit(session)
    return True


def unlink_tickets(session: Session, actor: Actor, ticket: Ticket, other_id: int) -> bool:
    """Remove the link; False, with nothing written, when there was none."""
    assert ticket.id is not None
    row = session.get(TicketLink, _pair(ticket.id, other_id))
    if row is None:
        return False
    session.delete(row)
    _written(session, actor, ticket.id, other_id, linked=False)
    commit(session)
    return True


def _written(session: Session, actor: Actor, one: int, two: int, linked: bool) -> None:
    events: list[Event] = []
    for here, there in ((one, two), (two, one)):
        change: dict[str, list[Any]] = {"linked": [None, there] if linked else [there, None]}
        record(session, actor, "ticket", here, "linked" if linked else "unlinked", change)
        events.append(TicketUpdated(here, change))
    publish(session, events)
